#!/usr/bin/env node
// The compiled CLI. esbuild bundles cli/main.ts and the lib/ code it reaches into dist/cli/, with
// one chunk per dynamically imported module, so a command loads only the code it runs; packages
// stay external and load from node_modules. Plain JavaScript: it runs before anything is compiled.
//
// dist/cli/build.json names the entry and the sha256 of every file the build was made from (from
// esbuild's metafile, plus this file and tsconfig.json). The build is current while every one of
// those files has the same content: a touched file (new mtime, same bytes) is no change, an edited
// one is. Output files are content-named and written whole (temporary file, then rename), so a
// process still running an older build keeps finding its chunks, and concurrent builds agree.
// Run directly (postinstall), it builds when the build is not current.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const OUT_DIR = 'dist/cli';
const RECORD = 'build.json';
/** Files that shape the output without being bundled. */
const CONFIG_INPUTS = ['bin/cli-build.mjs', 'tsconfig.json'];

function sha256(file) {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined; // a deleted input makes the build stale
  }
}

/** The entry module of the current build, or undefined when there is none or a source changed. */
export function currentBuild(root) {
  let record;
  try {
    record = JSON.parse(fs.readFileSync(path.join(root, OUT_DIR, RECORD), 'utf8'));
  } catch {
    return undefined;
  }
  for (const [file, digest] of Object.entries(record.inputs)) {
    if (sha256(path.join(root, file)) !== digest) return undefined;
  }
  const entry = path.join(root, OUT_DIR, record.entry);
  return fs.existsSync(entry) ? entry : undefined;
}

/** Builds the CLI into dist/cli and returns its entry module. Throws when esbuild is missing or the build fails. */
export async function buildCli(root) {
  const esbuild = await import('esbuild');
  const outdir = path.join(root, OUT_DIR);
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: 'cli/main.ts' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    write: false,
    metafile: true,
    logLevel: 'error',
    plugins: [sourceDirectories(outdir)],
  });
  fs.mkdirSync(outdir, { recursive: true });
  for (const out of result.outputFiles) writeWhole(out.path, out.contents, { skipIfPresent: true });
  const entry = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint === 'cli/main.ts')[0];
  const inputs = {};
  for (const file of [...Object.keys(result.metafile.inputs), ...CONFIG_INPUTS].sort()) inputs[file] = sha256(path.join(root, file));
  writeWhole(path.join(outdir, RECORD), JSON.stringify({ entry: path.relative(outdir, path.join(root, entry)), inputs }, null, 1));
  pruneOlderBuilds(outdir, new Set(result.outputFiles.map((o) => o.path)));
  return path.join(root, entry);
}

/**
 * Removes files of earlier builds once a day old. A process started from an earlier build may
 * still import its chunks lazily (a scheduled pull hours later), so they are not removed at once.
 */
function pruneOlderBuilds(outdir, current) {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of fs.readdirSync(outdir)) {
    const file = path.join(outdir, name);
    if (name === RECORD || current.has(file)) continue;
    if ((fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < dayAgo) fs.rmSync(file, { force: true });
  }
}

function writeWhole(file, contents, { skipIfPresent = false } = {}) {
  if (skipIfPresent && fs.existsSync(file)) return; // content-named: same name, same bytes
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

/**
 * Every output file sits directly in dist/cli, so a module's `import.meta.dirname` (used to find
 * the repository root and prisma/migrations) is rewritten to the directory it had as source.
 */
function sourceDirectories(outdir) {
  return {
    name: 'source-directories',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = fs.readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.dirname')) return undefined;
        const rel = path.relative(outdir, path.dirname(args.path));
        return { contents: text.replaceAll('import.meta.dirname', `(import.meta.dirname + ${JSON.stringify(`/${rel}`)})`), loader: 'ts' };
      });
    },
  };
}

if (process.argv[1] && import.meta.filename === fs.realpathSync(process.argv[1])) {
  const root = path.resolve(import.meta.dirname, '..');
  if (!currentBuild(root)) console.log(`sluice: compiled the CLI into ${path.relative(root, path.dirname(await buildCli(root)))}/`);
}
