import type { TestProject } from 'vitest/node';
import { startPostgres, type PostgresServer } from '../support/postgres-server';

let server: PostgresServer | undefined;

/** One throwaway PostgreSQL server for the run; every test file creates its own database in it. */
export async function setup(project: TestProject): Promise<void> {
  server = await startPostgres();
  project.provide('pgAdminUrl', server.adminUrl);
}

export async function teardown(): Promise<void> {
  server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}
