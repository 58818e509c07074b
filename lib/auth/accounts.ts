import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_WORKSPACE } from '../datasets/dataset-key';
import { SluiceError } from '../errors';
import type { PrismaClient } from '../store/prisma';
import { AccountName } from './account-policy';
import type { Auth } from './create-auth';

/**
 * Accounts made by Sluice itself rather than by Better Auth's public sign-up endpoint: the first
 * account (/setup) and the operator's (tests, tooling). They are written the way Better Auth's
 * sign-up writes them (a user row and a `credential` account row holding the password hash made by
 * the same Better Auth instance), so they sign in through Better Auth as usual. The sign-up policy
 * of create-auth.ts does not apply to them: callers are the server, never a visitor's request.
 */

export interface NewAccount {
  name: string;
  email: string;
  password: string;
}

type Tx = Pick<PrismaClient, 'user' | 'account' | 'member' | 'organization'>;

/** 72707370: arbitrary and fixed ("sluice first account"), next to the migrations' 72707369. */
export const FIRST_ACCOUNT_LOCK = 72707370;

const Email = z.email();

/** Validates and hashes outside any transaction (scrypt takes a while). */
async function prepare(auth: Auth, input: NewAccount) {
  const ctx = await auth.$context;
  const email = input.email.trim().toLowerCase();
  if (!Email.safeParse(email).success) throw new SluiceError('INVALID_INPUT', 'invalid email address');
  const parsedName = AccountName.safeParse(input.name);
  if (!parsedName.success) throw new SluiceError('INVALID_INPUT', parsedName.error.issues[0].message);
  const name = parsedName.data;
  const { minPasswordLength, maxPasswordLength } = ctx.password.config;
  if (input.password.length < minPasswordLength) throw new SluiceError('INVALID_INPUT', `the password needs at least ${minPasswordLength} characters`);
  if (input.password.length > maxPasswordLength) throw new SluiceError('INVALID_INPUT', `the password may have at most ${maxPasswordLength} characters`);
  const hash = await ctx.password.hash(input.password);
  const newId = (model: string) => ctx.generateId({ model }) || randomUUID();
  return { email, name, hash, userId: newId('user'), accountId: newId('account') };
}

async function insert(tx: Tx, row: Awaited<ReturnType<typeof prepare>>): Promise<string> {
  const now = new Date();
  await tx.user.create({ data: { id: row.userId, name: row.name, email: row.email, emailVerified: false, createdAt: now, updatedAt: now } });
  await tx.account.create({ data: { id: row.accountId, accountId: row.userId, providerId: 'credential', userId: row.userId, password: row.hash, createdAt: now, updatedAt: now } });
  return row.userId;
}

/** An account created by the operator (no policy: never reachable from a visitor's request). */
export async function createAccount(auth: Auth, prisma: PrismaClient, input: NewAccount): Promise<{ userId: string }> {
  const row = await prepare(auth, input);
  const userId = await prisma.$transaction((tx) => insert(tx, row));
  return { userId };
}

/**
 * First run: creates the first account and makes it maintainer of the default workspace, in one
 * transaction that holds a Postgres advisory lock, so that of any number of concurrent calls — on
 * any number of server instances sharing the database — exactly one succeeds; the others, and any
 * call once an account exists, get FORBIDDEN. Sign-up through Better Auth is refused until then
 * (see signupRefusal), so nothing can come first and block setup.
 */
export async function createFirstAccount(auth: Auth, prisma: PrismaClient, input: NewAccount, workspace = DEFAULT_WORKSPACE): Promise<{ userId: string }> {
  const row = await prepare(auth, input);
  const userId = await prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${FIRST_ACCOUNT_LOCK}::bigint)`;
      if ((await tx.user.count()) > 0) throw new SluiceError('FORBIDDEN', 'Sluice is already set up: sign in, or ask a maintainer for an invitation');
      const ws = await tx.organization.findUnique({ where: { slug: workspace }, select: { id: true } });
      if (!ws) throw new SluiceError('WORKSPACE_NOT_FOUND', `workspace ${workspace} not found`);
      const id = await insert(tx, row);
      await tx.member.create({ data: { id: randomUUID(), organizationId: ws.id, userId: id, role: 'maintainer', createdAt: new Date() } });
      return id;
    },
    // Concurrent callers queue on the lock inside their transactions; each holds it only briefly.
    { maxWait: 30_000, timeout: 30_000 },
  );
  return { userId };
}
