import { TEST_SECRET_KEY } from './test-store';
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a Node entry point of this repo (TypeScript through tsx) as its own process. */
export function runNode(script: string, args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return run(['--import', 'tsx', script, ...args], env, input).result;
}

/** As runNode, with the process's pid while it runs (a test that kills it at a moment of its choosing). */
export function startNode(script: string, args: string[], env: Record<string, string>): { pid: number; result: Promise<CliResult> } {
  return run(['--import', 'tsx', script, ...args], env);
}

/** `sluice …` exactly as a user runs it (bin/sluice.mjs: the compiled CLI), against the given database. */
export function sluice(databaseUrl: string, ...args: string[]): Promise<CliResult> {
  return sluiceWith({ DATABASE_URL: databaseUrl }, ...args);
}

/** `sluice …` against the given database, with `input` on its standard input. */
export function sluiceStdin(databaseUrl: string, input: string, ...args: string[]): Promise<CliResult> {
  return run([SLUICE, ...args], { DATABASE_URL: databaseUrl }, input).result;
}

/** `sluice …` as a user runs it, with these environment variables. */
export function sluiceWith(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return run([SLUICE, ...args], env).result;
}

export const SLUICE = path.join(ROOT, 'bin/sluice.mjs');

function run(argv: string[], env: Record<string, string>, input?: string): { pid: number; result: Promise<CliResult> } {
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { ...process.env, SLUICE_SECRET_KEY: TEST_SECRET_KEY.toString('base64'), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
  return { pid: child.pid!, result };
}
