import path from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * `sluice list` answers in about half a second on a real Postgres (issue 11) only while it loads
 * little: each heavy package costs 50–250 ms of module loading before any query runs. This pins
 * what the modules `list` imports reach statically (cli/main.ts, then its action's dynamic imports),
 * so a new static import that drags Arrow or YAML into every store open fails here, not in a bench.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const LIST_MODULES = ['cli/main.ts', 'cli/configured-store.ts', 'lib/config/env.ts', 'lib/store/open-store.ts', 'lib/datasets/list-dataset-rows.ts', 'cli/dataset-arg.ts'];
const HEAVY = ['@prisma/client', '@prisma/adapter-pg', 'apache-arrow', 'yaml', 'csv-parse', 'mqtt', 'mqtt-packet', 'ws', '@duckdb/node-api', 'parquet-wasm', 'aedes'];

async function staticPackages(starts: string[]): Promise<Set<string>> {
  const { metafile } = await esbuild.build({ absWorkingDir: ROOT, entryPoints: starts, bundle: true, splitting: true, format: 'esm', platform: 'node', packages: 'external', outdir: '/nonexistent', write: false, metafile: true, logLevel: 'silent' });
  const seen = new Set(starts);
  const packages = new Set<string>();
  const queue = [...starts];
  while (queue.length) {
    for (const im of metafile.inputs[queue.shift()!]?.imports ?? []) {
      if (im.kind !== 'import-statement' || seen.has(im.path)) continue;
      seen.add(im.path);
      if (metafile.inputs[im.path]) queue.push(im.path);
      else if (!im.path.startsWith('node:')) packages.add(im.path.startsWith('@') ? im.path.split('/').slice(0, 2).join('/') : im.path.split('/')[0]);
    }
  }
  return packages;
}

describe('the modules `sluice list` loads', () => {
  it('reach pg, zod and commander, but none of the heavy packages other commands need', async () => {
    const packages = await staticPackages(LIST_MODULES);
    expect(packages).toContain('pg');
    expect([...packages].filter((p) => HEAVY.includes(p))).toEqual([]);
  });
});
