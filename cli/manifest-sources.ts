import fs from 'node:fs';
import path from 'node:path';
import { SluiceError } from '../lib/errors';
import type { ManifestSource } from '../lib/datasets/add-manifests';

/**
 * The manifests `sluice add` reads, as `kamu add` does: each argument a file, `-` for standard
 * input, or with `recursive` a directory whose `.yaml`/`.yml` files (at any depth, in path order)
 * are read. An argument that cannot be read fails the command before anything is added.
 */
export function readManifestSources(args: string[], recursive: boolean): ManifestSource[] {
  return args.flatMap((arg) => {
    if (arg === '-') return [{ label: 'STDIN', text: fs.readFileSync(0, 'utf8') }];
    if (isDirectory(arg)) {
      if (!recursive) throw new SluiceError('INVALID_INPUT', `${arg} is a directory; use -r to add the manifests in it`);
      return yamlFilesUnder(arg).map((file) => ({ label: file, text: readTextFile(file) }));
    }
    return [{ label: arg, text: readTextFile(arg) }];
  });
}

function isDirectory(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function yamlFilesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

export function readTextFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SluiceError('INVALID_INPUT', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}
