import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sluice, sluiceWith } from '../support/cli';
import { createTestDatabase } from '../support/test-store';

const ROOT = path.resolve(import.meta.dirname, '../..');
const GENERATED = 'lib/store/generated';

/**
 * Every file of the checkout that is not ignored, and the generated Prisma client (ignored, but
 * what a re-run `prisma generate` rewrites), with size, modification time and content.
 */
function sourceTree(): Map<string, string> {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  const generated = fs.readdirSync(path.join(ROOT, GENERATED), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
  const tree = new Map<string, string>();
  for (const file of [...listed, ...generated]) {
    const at = path.join(ROOT, file);
    if (!fs.existsSync(at)) continue; // deleted in the working tree, still in the index
    const s = fs.statSync(at);
    tree.set(file, `${s.size} ${s.mtimeMs} ${createHash('sha256').update(fs.readFileSync(at)).digest('hex')}`);
  }
  return tree;
}

let db: string;
beforeAll(async () => {
  db = await createTestDatabase();
});

describe('[CLI] commands answer without touching the source tree', () => {
  it('npx sluice runs the repository\'s own command without installing it, and no command writes a source or regenerates the Prisma client', async () => {
    const before = sourceTree();
    const npx = spawnSync('npx', ['--no-install', 'sluice', '--help'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DATABASE_URL: db } });
    expect(npx.stderr).toBe('');
    expect(npx.stdout).toContain('Usage: sluice');
    expect(npx.status).toBe(0);
    for (const args of [['migrate'], ['list'], ['nonsense-command']]) await sluice(db, ...args);
    const after = sourceTree();
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f));
    expect(changed).toEqual([]);
  });

  it('--help opens no database: it answers with an unreachable DATABASE_URL and creates no data directory', async () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-help-')), 'data');
    const help = await sluiceWith({ DATABASE_URL: 'postgresql://127.0.0.1:1/nowhere', SLUICE_DATA_DIR: dataDir }, '--help');
    expect(help.stdout).toContain('Usage: sluice');
    expect(help.code).toBe(0);
    const embedded = await sluiceWith({ DATABASE_URL: '', SLUICE_DATA_DIR: dataDir }, 'list', '--help');
    expect(embedded.code).toBe(0);
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
