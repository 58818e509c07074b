import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../lib/store/open-store';
import { PgWire } from '../support/pg-wire';

/**
 * The embedded default (PGlite behind a loopback socket) serves one Postgres session to every
 * connection. The console's pool and pg-boss use several connections at once; their extended-query
 * exchanges (Parse/Bind/Execute/Sync, unnamed statements) and transactions must not interleave.
 */
describe('embedded Postgres under concurrent connections', () => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-embedded-'));
    store = await openStore({ dataDir: dir });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps one connection's extended query whole while another connection's waits", async () => {
    const port = Number(new URL(store.databaseUrl).port);
    const [a, b] = await Promise.all([PgWire.connect(port), PgWire.connect(port)]);
    try {
      // A prepares the unnamed statement with two parameters and pauses before binding it.
      a.parse('SELECT $1::int + $2::int');
      await new Promise((r) => setTimeout(r, 100));
      // B runs a whole exchange with its own unnamed statement of one parameter meanwhile.
      b.parse('SELECT $1::int * 10');
      b.bind(['7']);
      b.executeAndSync();
      const bDone = b.untilReady();
      await new Promise((r) => setTimeout(r, 100));
      a.bind(['1', '2']);
      a.executeAndSync();
      // Interleaved, B's Parse would replace A's statement and A's Bind fail on the parameter count.
      expect(await a.untilReady()).toEqual({ values: ['3'], error: undefined });
      expect(await bDone).toEqual({ values: ['70'], error: undefined });
    } finally {
      a.close();
      b.close();
    }
  });

  it('undoes what a connection that went away mid-exchange left open, and frees the session', async () => {
    const port = Number(new URL(store.databaseUrl).port);
    await store.prisma.$executeRawUnsafe('CREATE TABLE IF NOT EXISTS abandoned (n int)');
    // A inserts without ever sending Sync (its implicit transaction stays open), then disconnects.
    const a = await PgWire.connect(port);
    a.parse('INSERT INTO abandoned VALUES (1)');
    a.bind([]);
    a.execute();
    await new Promise((r) => setTimeout(r, 100));
    a.close();
    // B, inside an explicit transaction, fails, and disconnects before its Sync.
    const b = await PgWire.connect(port);
    b.query('BEGIN');
    await b.untilReady();
    b.parse('SELECT 1 / 0');
    b.bind([]);
    b.execute();
    await new Promise((r) => setTimeout(r, 100));
    b.close();
    // Another connection is served, and sees nothing of A's insert.
    const c = await PgWire.connect(port);
    try {
      c.query('SELECT count(*) FROM abandoned');
      expect(await c.untilReady()).toEqual({ values: ['0'], error: undefined });
    } finally {
      c.close();
    }
  }, 15_000);

  it('answers many concurrent parameterised queries of different shapes, each correctly', async () => {
    const queries = Array.from({ length: 200 }, (_, i) =>
      i % 2
        ? store.prisma.$queryRawUnsafe<{ v: number }[]>('SELECT $1::int + $2::int AS v', i, 1).then((r) => r[0].v)
        : store.prisma.$queryRawUnsafe<{ v: number }[]>('SELECT $1::int AS v', i).then((r) => r[0].v),
    );
    expect(await Promise.all(queries)).toEqual(Array.from({ length: 200 }, (_, i) => (i % 2 ? i + 1 : i)));
  });

  it("keeps a transaction's statements to itself while other connections query", async () => {
    await store.prisma.$executeRawUnsafe('CREATE TABLE IF NOT EXISTS tx_probe (n int)');
    const tx = store.prisma.$transaction(async (t) => {
      await t.$executeRawUnsafe('INSERT INTO tx_probe VALUES (1)');
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('roll back');
    });
    const others = Array.from({ length: 20 }, () => store.prisma.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) AS n FROM tx_probe'));
    await expect(tx).rejects.toThrow('roll back');
    const counts = (await Promise.all(others)).map((r) => Number(r[0].n));
    expect(counts.every((n) => n === 0)).toBe(true);
    expect(Number((await store.prisma.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) AS n FROM tx_probe'))[0].n)).toBe(0);
  });
});
