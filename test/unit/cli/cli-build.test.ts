import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentBuild, OUT_DIR } from '../../../bin/cli-build.mjs';

let root: string;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-cli-build-'));
  fs.mkdirSync(path.join(root, 'cli'));
  fs.mkdirSync(path.join(root, OUT_DIR), { recursive: true });
  fs.writeFileSync(path.join(root, 'cli/main.ts'), 'console.log(1);\n');
  fs.writeFileSync(path.join(root, OUT_DIR, 'main-ABC.js'), 'console.log(1);\n');
  fs.writeFileSync(path.join(root, OUT_DIR, 'build.json'), JSON.stringify({ entry: 'main-ABC.js', inputs: { 'cli/main.ts': sha256('console.log(1);\n') } }));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('[CLI build] the compiled CLI is used while its sources have the content it was built from', () => {
  it('is current after a change of modification time alone', () => {
    const later = new Date(Date.now() + 3_600_000);
    fs.utimesSync(path.join(root, 'cli/main.ts'), later, later);
    expect(currentBuild(root)).toBe(path.join(root, OUT_DIR, 'main-ABC.js'));
  });

  it('is stale when a source was edited or removed, or the build is incomplete', () => {
    fs.writeFileSync(path.join(root, 'cli/main.ts'), 'console.log(2);\n');
    expect(currentBuild(root)).toBeUndefined();
    fs.rmSync(path.join(root, 'cli/main.ts'));
    expect(currentBuild(root)).toBeUndefined();
    fs.writeFileSync(path.join(root, 'cli/main.ts'), 'console.log(1);\n');
    expect(currentBuild(root)).toBeDefined();
    fs.rmSync(path.join(root, OUT_DIR, 'main-ABC.js'));
    expect(currentBuild(root)).toBeUndefined();
  });
});
