import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const MANIFESTS_DIR = path.resolve(import.meta.dirname, '../../fixtures/manifests');

export function readManifest(name: string): string {
  return readFileSync(path.join(MANIFESTS_DIR, name), 'utf8');
}

/** Every valid fixture (the top-level files; invalid ones live in `invalid/`). */
export function validManifestNames(): string[] {
  return readdirSync(MANIFESTS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
}
