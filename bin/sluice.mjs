#!/usr/bin/env node
// `sluice`: runs the compiled CLI (dist/cli, built by postinstall). When a source changed since,
// it is compiled again first (about a second); if esbuild cannot build it, the TypeScript runs
// through tsx instead (seconds slower, same behaviour).
import path from 'node:path';
import { buildCli, currentBuild } from './cli-build.mjs';

const root = path.resolve(import.meta.dirname, '..');
let entry = currentBuild(root);
if (!entry) {
  try {
    entry = await buildCli(root);
  } catch (err) {
    console.error(`sluice: could not compile the CLI (${err.message.split('\n')[0]}); running it through tsx`);
  }
}
if (entry) {
  await import(entry);
} else {
  (await import('tsx/esm/api')).register();
  await import('../cli/main.ts');
}
