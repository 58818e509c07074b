import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { precompressBuildAssets } from './precompressed-assets';

/**
 * What the console's build is made from: when the content of any of it changes, the build is
 * stale. prisma/schema.prisma stands for the Prisma client generated from it, which is left out:
 * `prisma generate` rewrites it (on every `npm install`) without changing what it says.
 * tsconfig.json is left out too: next build may rewrite it itself, which would make every build
 * stale the moment it finished.
 */
const SOURCES = ['app', 'lib', 'public', 'prisma/schema.prisma', 'next.config.ts', 'postcss.config.mjs', 'package-lock.json'];
const GENERATED = ['lib/store/generated'];
const STAMP = 'sluice-sources.sha256';

/**
 * A digest of the sources' paths and contents. Only content counts: a checkout, `touch` or
 * regeneration that leaves the bytes alone is no change (file modification times decide nothing).
 */
export function consoleSourcesDigest(root: string): string {
  const hash = createHash('sha256');
  const generated = GENERATED.map((g) => path.join(root, g) + path.sep);
  for (const entry of SOURCES) {
    const at = path.join(root, entry);
    if (!fs.existsSync(at)) continue;
    const files = fs.statSync(at).isDirectory()
      ? fs.readdirSync(at, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
      : [at];
    for (const f of files.filter((f) => !generated.some((g) => f.startsWith(g))).sort()) {
      hash.update(`${path.relative(root, f)}\0${createHash('sha256').update(fs.readFileSync(f)).digest('hex')}\n`);
    }
  }
  return hash.digest('hex');
}

/**
 * Builds the console unless `.next` holds a build of the current sources, so `git pull && npm start`
 * serves what was pulled rather than the first build ever made. next build's own progress is shown
 * as it goes; the digest of the sources it was given is stored only once it succeeded.
 */
export async function ensureConsoleBuild(root: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  const stamp = path.join(root, '.next', STAMP);
  const digest = consoleSourcesDigest(root);
  if (fs.existsSync(path.join(root, '.next', 'BUILD_ID')) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest) return;
  fs.rmSync(stamp, { force: true });
  const started = Date.now();
  console.log('Building the console (the first start, and after its sources change; about a minute)…');
  // Aborting `signal` ends the build (SIGTERM); the build then fails.
  const build = spawn(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env, signal });
  // next build is silent while it compiles (most of the time): say every 15 s that it still is.
  const ticking = setInterval(() => console.log(`  … still building the console (${Math.round((Date.now() - started) / 1000)} s)`), 15_000);
  const code = await new Promise<number | null>((resolve, reject) => build.once('error', reject).once('exit', resolve)).finally(() => clearInterval(ticking));
  if (code !== 0) throw new Error(`next build failed (exit ${code})`);
  await precompressBuildAssets(path.join(root, '.next'));
  fs.writeFileSync(stamp, digest);
  console.log(`Console built in ${Math.round((Date.now() - started) / 1000)} s`);
}
