import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consoleSourcesDigest } from '../../../cli/console-build';

let root: string;
const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
};

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-console-build-'));
  write('app/page.tsx', 'export default function Page() {}\n');
  write('lib/store/dataset-repository.ts', 'export {};\n');
  write('lib/store/generated/client.ts', '// generated\n');
  write('package-lock.json', '{}\n');
  write('prisma/schema.prisma', 'model A { id Int @id }\n');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('[console build] the console is rebuilt when the content of its sources changes, and only then', () => {
  it('ignores a change of modification time that leaves the bytes alone (checkout, touch, prisma generate)', () => {
    const before = consoleSourcesDigest(root);
    const later = new Date(Date.now() + 3_600_000);
    for (const f of ['app/page.tsx', 'lib/store/dataset-repository.ts', 'package-lock.json']) fs.utimesSync(path.join(root, f), later, later);
    expect(consoleSourcesDigest(root)).toBe(before);
  });

  it('ignores the generated Prisma client, which `prisma generate` rewrites; its schema counts instead', () => {
    const before = consoleSourcesDigest(root);
    write('lib/store/generated/client.ts', '// generated again, differently\n');
    write('lib/store/generated/models/A.ts', 'export {};\n');
    expect(consoleSourcesDigest(root)).toBe(before);
    write('prisma/schema.prisma', 'model A { id Int @id\n name String }\n');
    expect(consoleSourcesDigest(root)).not.toBe(before);
  });

  it('sees an edited, added or removed source file, and a changed lockfile', () => {
    const digests = new Set([consoleSourcesDigest(root)]);
    write('app/page.tsx', 'export default function Page() { return null; }\n');
    digests.add(consoleSourcesDigest(root));
    write('lib/new-module.ts', 'export const x = 1;\n');
    digests.add(consoleSourcesDigest(root));
    fs.rmSync(path.join(root, 'lib/new-module.ts'));
    fs.rmSync(path.join(root, 'lib/store/dataset-repository.ts'));
    digests.add(consoleSourcesDigest(root));
    write('package-lock.json', '{"lockfileVersion":3}\n');
    digests.add(consoleSourcesDigest(root));
    expect(digests.size).toBe(5);
  });
});
