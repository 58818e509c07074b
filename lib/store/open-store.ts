import path from 'node:path';
import { openEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { PrismaIngestStore } from './ingest-store';
import { DatasetRepository } from './dataset-repository';
import { applyMigrations } from './migrate';
import { createPrismaClient, type PrismaClient } from './prisma';

export interface Store {
  databaseUrl: string;
  prisma: PrismaClient;
  ingest: PrismaIngestStore;
  datasets: DatasetRepository;
  close(): Promise<void>;
}

export interface StoreConfig {
  /** A real Postgres server; without it the embedded database in `dataDir` is used. */
  databaseUrl?: string;
  /** Embedded database directory (default `.sluice` in the working directory, or SLUICE_DATA_DIR). */
  dataDir?: string;
}

export function defaultDataDir(): string {
  return path.resolve(process.env.SLUICE_DATA_DIR ?? '.sluice');
}

/** Opens (and migrates) the store: `DATABASE_URL` if given, else the embedded Postgres. */
export async function openStore(config: StoreConfig = {}): Promise<Store> {
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await openEmbeddedPostgres({ dataDir: path.join(config.dataDir ?? defaultDataDir(), 'db') });
    databaseUrl = embedded.url;
  }
  try {
    await applyMigrations(databaseUrl);
  } catch (err) {
    await embedded?.close();
    throw err;
  }
  const prisma = createPrismaClient(databaseUrl);
  return {
    databaseUrl,
    prisma,
    ingest: new PrismaIngestStore(prisma),
    datasets: new DatasetRepository(prisma),
    async close() {
      await prisma.$disconnect();
      await embedded?.close();
    },
  };
}
