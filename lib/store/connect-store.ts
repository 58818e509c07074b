import path from 'node:path';
import { openEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import pg from 'pg';
import { PostgresIngestStore } from './ingest-store';
import { DatasetRepository } from './dataset-repository';
import { WorkspaceRepository } from './workspace-repository';
import { SecretRepository } from './secret-repository';
import { ActivityRepository } from './activity-repository';
import { ScheduleRepository } from './schedule-repository';
import { OperatorSettingRepository } from './operator-setting-repository';
import { SavedQueryRepository } from './saved-query-repository';
import { DeviceRepository } from './device-repository';
import { SecretBox } from '../secrets/secret-box';
import { deriveKey, loadMasterKey } from '../config/secret-key';
import { createPrismaClient, type PrismaClient } from './prisma';

export interface Store {
  databaseUrl: string;
  prisma: PrismaClient;
  ingest: PostgresIngestStore;
  datasets: DatasetRepository;
  workspaces: WorkspaceRepository;
  secrets: SecretRepository;
  activity: ActivityRepository;
  schedules: ScheduleRepository;
  savedQueries: SavedQueryRepository;
  devices: DeviceRepository;
  operatorSettings: OperatorSettingRepository;
  close(): Promise<void>;
}

export interface StoreConfig {
  /** A real Postgres server; without it the embedded database in `dataDir` is used. */
  databaseUrl?: string;
  /** Embedded database directory (default `.sluice` in the working directory, or SLUICE_DATA_DIR). */
  dataDir?: string;
  /**
   * Master key for stored secrets; default SLUICE_SECRET_KEY, else the key file in the data
   * directory (created on first use). Loaded only when a secret is stored or read.
   */
  secretKey?: Buffer;
}

export function defaultDataDir(): string {
  return path.resolve(/* turbopackIgnore: true */ process.env.SLUICE_DATA_DIR ?? '.sluice');
}

/** Connects to an already migrated store (the web server's way; the CLI uses `openStore`). */
export async function connectStore(config: StoreConfig = {}, beforeConnect?: (url: string) => Promise<void>): Promise<Store> {
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await openEmbeddedPostgres({ dataDir: path.join(config.dataDir ?? defaultDataDir(), 'db') });
    databaseUrl = embedded.url;
  }
  try {
    await beforeConnect?.(databaseUrl);
  } catch (err) {
    await embedded?.close();
    throw err;
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 8 });
  const prisma = createPrismaClient(pool);
  let box: SecretBox | undefined;
  const secrets = new SecretRepository(prisma, () => {
    box ??= new SecretBox(deriveKey(config.secretKey ?? loadMasterKey({ envValue: process.env.SLUICE_SECRET_KEY, dataDir: config.dataDir ?? defaultDataDir() }), 'secrets'));
    return box;
  });
  return {
    databaseUrl,
    prisma,
    ingest: new PostgresIngestStore(prisma, pool, secrets),
    datasets: new DatasetRepository(prisma, pool),
    workspaces: new WorkspaceRepository(prisma),
    secrets,
    activity: new ActivityRepository(prisma),
    schedules: new ScheduleRepository(prisma),
    savedQueries: new SavedQueryRepository(prisma),
    operatorSettings: new OperatorSettingRepository(prisma),
    devices: new DeviceRepository(prisma, pool),
    async close() {
      await prisma.$disconnect();
      await pool.end();
      await embedded?.close();
    },
  };
}
