import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** What the console's build is made from: when any of it changes, the build is stale. */
const SOURCES = ['app', 'lib', 'public', 'next.config.ts', 'postcss.config.mjs', 'package-lock.json'];
const STAMP = 'sluice-sources.sha256';

/** A digest of the sources' paths, sizes and modification times (cheap: no file is read). */
function sourcesDigest(root: string): string {
  const hash = createHash('sha256');
  for (const entry of SOURCES) {
    const at = path.join(root, entry);
    if (!fs.existsSync(at)) continue;
    const files = fs.statSync(at).isDirectory()
      ? fs.readdirSync(at, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
      : [at];
    for (const f of files.sort()) {
      const s = fs.statSync(f);
      hash.update(`${path.relative(root, f)}\0${s.size}\0${s.mtimeMs}\n`);
    }
  }
  return hash.digest('hex');
}

/**
 * Builds the console unless `.next` holds a build of the current sources, so `git pull && npm start`
 * serves what was pulled rather than the first build ever made.
 */
export function ensureConsoleBuild(root: string, env: NodeJS.ProcessEnv): void {
  const stamp = path.join(root, '.next', STAMP);
  const digest = sourcesDigest(root);
  if (fs.existsSync(path.join(root, '.next', 'BUILD_ID')) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest) return;
  console.log('Building the console (once per change of its sources)…');
  const build = spawnSync(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build'], { cwd: root, stdio: 'inherit', env });
  if (build.status !== 0) throw new Error('next build failed');
  fs.writeFileSync(stamp, digest);
}
