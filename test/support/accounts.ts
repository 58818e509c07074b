import { createAccount } from '../../lib/auth/accounts';
import { createAuth } from '../../lib/auth/create-auth';
import type { Role } from '../../lib/auth/roles';
import type { Store } from '../../lib/store/open-store';

export interface TestAccount {
  email: string;
  password: string;
  role: Role;
}

/**
 * Creates accounts as the operator does (lib/auth/accounts.ts: passwords hashed by Better Auth, as
 * sign-up hashes them; sign-up itself is closed to visitors) and makes each a member of
 * `workspace` with its role.
 */
export async function createAccounts(store: Store, masterKey: Buffer, workspace: string, accounts: TestAccount[]): Promise<void> {
  const auth = createAuth({ prisma: store.prisma, masterKey, baseURL: 'http://127.0.0.1' });
  const ws = await store.prisma.organization.findUniqueOrThrow({ where: { slug: workspace } });
  for (const a of accounts) {
    const { userId } = await createAccount(auth, store.prisma, { email: a.email, password: a.password, name: a.email.split('@')[0] });
    await store.workspaces.addMember(ws.id, userId, a.role);
  }
}

/** Signs in over HTTP as a browser would and returns the session cookie, for Playwright storage states. */
export async function signInCookies(baseUrl: string, a: TestAccount): Promise<{ name: string; value: string }[]> {
  const res = await fetch(`${baseUrl}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: baseUrl },
    body: JSON.stringify({ email: a.email, password: a.password }),
  });
  if (!res.ok) throw new Error(`sign-in of ${a.email} failed: ${res.status} ${await res.text()}`);
  return res.headers.getSetCookie().map((c) => {
    const [pair] = c.split(';');
    const eq = pair.indexOf('=');
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1) };
  });
}
