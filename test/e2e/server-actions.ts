import fs from 'node:fs';
import path from 'node:path';
import { request as playwrightRequest, type Page } from '@playwright/test';
import type { Role } from '../../lib/auth/roles';
import { signedInAs } from './fixtures';

/**
 * Server actions called directly, as anyone holding an action's id can: by the id the build gave
 * it (.next's server reference manifest), with arguments the page would never send.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

function actionId(file: string, name: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, '.next/server/server-reference-manifest.json'), 'utf8')) as { node: Record<string, { exportedName: string; filename: string }> };
  const found = Object.entries(manifest.node).find(([, a]) => a.filename === file && a.exportedName === name);
  if (!found) throw new Error(`no server action ${name} in ${file}`);
  return found[0];
}

/** Calls a server action as `role` from `page` and returns its answer (the RSC text, which holds the ActionResult). */
export async function callAction(role: Role, page: string, file: string, name: string, arg: unknown): Promise<string> {
  const base = process.env.SLUICE_E2E_BASE_URL!;
  const ctx = await playwrightRequest.newContext({ storageState: signedInAs(role), baseURL: base });
  const res = await ctx.post(page, { headers: { 'next-action': actionId(file, name), 'content-type': 'text/plain;charset=UTF-8', origin: base, accept: 'text/x-component' }, data: JSON.stringify([arg]) });
  const text = await res.text();
  await ctx.dispose();
  return text;
}

/** The action's ActionResult in its RSC answer (a revalidated page may follow it in the same answer). */
export function actionResult(text: string): unknown {
  const line = text.split('\n').find((l) => /^1:\{"ok":/.test(l));
  return line ? JSON.parse(line.slice(2)) : text.slice(0, 300);
}


/** A storage state with no session: a visitor who is not signed in. */
export const NO_SESSION = { cookies: [], origins: [] };

/** A server action request the page sent when `click` ran: its URL, headers and body, to replay. */
export interface CapturedAction {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Runs `click` and returns the server action request it made. */
export async function captureAction(page: Page, click: () => Promise<void>): Promise<CapturedAction> {
  const [req] = await Promise.all([page.waitForRequest((r) => r.method() === 'POST' && !!r.headers()['next-action']), click()]);
  return { url: req.url(), headers: req.headers(), body: req.postData() ?? '' };
}

/** Sends a captured action again with `role`'s session (null: none) instead of the one it carried; returns the answer's text. */
export async function replayAs(role: Role | null, action: CapturedAction): Promise<string> {
  // Explicit: contexts made inside a test otherwise inherit the test's (maintainer) session.
  const ctx = await playwrightRequest.newContext({ storageState: role ? signedInAs(role) : NO_SESSION });
  const { cookie: _cookie, ...headers } = action.headers;
  const res = await ctx.post(action.url, { headers, data: action.body });
  const text = await res.text();
  await ctx.dispose();
  return text;
}
