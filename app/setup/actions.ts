'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { createFirstAccount as createFirst } from '@/lib/auth/accounts';
import { DEFAULT_WORKSPACE } from '@/lib/datasets/dataset-key';
import { parseInput } from '@/lib/server/action-input';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { getAuth } from '@/lib/server/auth';
import { getStore } from '@/lib/server/store';

const FirstAccount = z.object({ name: z.string().trim().min(1).max(100), email: z.email().max(254), password: z.string().min(10, 'at least 10 characters').max(128) });

/**
 * First run: while no account exists, creates one and makes it the maintainer of the default
 * workspace (where the CLI's and the demo's datasets live) — atomically, so that of concurrent
 * attempts exactly one wins (lib/auth/accounts.ts) — then signs it in.
 */
export async function createFirstAccount(input: z.input<typeof FirstAccount>): Promise<ActionResult> {
  const r = await runAction(async () => {
    const body = parseInput(FirstAccount, input);
    const auth = await getAuth();
    await createFirst(auth, (await getStore()).prisma, body, DEFAULT_WORKSPACE);
    await auth.api.signInEmail({ body: { email: body.email, password: body.password }, headers: await headers() });
    return undefined;
  });
  if (r.ok) redirect(`/w/${DEFAULT_WORKSPACE}`);
  return r;
}
