import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * The embedded default database: PGlite (Postgres compiled to wasm) persisted in `dataDir`, served
 * on a loopback TCP port so the same Prisma client, pg driver and migrations work unchanged.
 *
 * One process owns a data directory at a time. The owner writes `server.json` {pid, port}; a second
 * process (the CLI while the console runs) connects to the owner's port instead of opening the files.
 */
export interface EmbeddedPostgres {
  url: string;
  /** True when this process serves the database (and must close it). */
  owned: boolean;
  close(): Promise<void>;
}

export async function openEmbeddedPostgres(opts: { dataDir: string; port?: number }): Promise<EmbeddedPostgres> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const infoFile = path.join(opts.dataDir, 'server.json');
  const running = await runningOwner(infoFile);
  if (running) return { url: urlFor(running.port), owned: false, close: async () => {} };

  const lockFile = path.join(opts.dataDir, 'server.lock');
  claimLock(lockFile, opts.dataDir);

  // Loaded only by the process that serves the database: a CLI command connecting to the running
  // console's database, or to a real server, never needs PGlite's code.
  const [{ PGlite }, { PGLiteSocketServer }, { PGliteSessionQueue }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
    import('./pglite-session-queue'),
  ]);
  const db = await PGlite.create(path.join(opts.dataDir, 'pgdata'));
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: opts.port ?? 0, maxConnections: 16 });
  // pglite-socket 0.2.17 (pinned) hands its queue to each connection it accepts; ours keeps every
  // connection's exchange whole (see PGliteSessionQueue).
  (server as unknown as { queryQueue: unknown }).queryQueue = new PGliteSessionQueue(db);
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  fs.writeFileSync(infoFile, JSON.stringify({ pid: process.pid, port }));
  let closed = false;
  return {
    url: urlFor(port),
    owned: true,
    async close() {
      if (closed) return;
      closed = true;
      await server.stop();
      await db.close();
      fs.rmSync(infoFile, { force: true });
      fs.rmSync(lockFile, { force: true });
    },
  };
}

/**
 * Claims the directory atomically (exclusive create). A lock left by a dead process is removed and
 * the exclusive create retried, so two processes racing for a stale lock cannot both win.
 */
function claimLock(lockFile: string, dataDir: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(fs.readFileSync(lockFile, 'utf8'));
    if (isAlive(holder)) {
      throw new Error(`the embedded database in ${dataDir} is in use by process ${holder} (stop it, or set DATABASE_URL)`);
    }
    fs.rmSync(lockFile, { force: true });
  }
  throw new Error(`could not lock the embedded database in ${dataDir}`);
}

function urlFor(port: number): string {
  return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
}

async function runningOwner(infoFile: string): Promise<{ pid: number; port: number } | undefined> {
  if (!fs.existsSync(infoFile)) return undefined;
  try {
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { pid: number; port: number };
    if (info.pid !== process.pid && isAlive(info.pid) && (await portOpen(info.port))) return info;
  } catch {
    /* unreadable file: treat as stale */
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
