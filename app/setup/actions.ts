'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { DEFAULT_WORKSPACE } from '@/lib/datasets/dataset-key';
import { SluiceError } from '@/lib/errors';
import { parseInput } from '@/lib/server/action-input';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { getAuth } from '@/lib/server/auth';
import { getStore } from '@/lib/server/store';
import { headers } from 'next/headers';

const FirstAccount = z.object({ name: z.string().min(1).max(100), email: z.email(), password: z.string().min(10, 'at least 10 characters') });

/**
 * First run: while no account exists, creates one, signs it in and makes it the maintainer of the
 * default workspace (where the CLI's and the demo's datasets live).
 */
export async function createFirstAccount(input: z.input<typeof FirstAccount>): Promise<ActionResult> {
  const r = await runAction(async () => {
    const body = parseInput(FirstAccount, input);
    const store = await getStore();
    if ((await store.workspaces.countUsers()) > 0) throw new SluiceError('FORBIDDEN', 'Sluice already has accounts: sign in, or ask a maintainer for an invitation');
    const { user } = await (await getAuth()).api.signUpEmail({ body, headers: await headers() });
    const workspace = await store.prisma.organization.findUniqueOrThrow({ where: { slug: DEFAULT_WORKSPACE }, select: { id: true } });
    await store.workspaces.addMember(workspace.id, user.id, 'maintainer');
    return undefined;
  });
  if (r.ok) redirect(`/w/${DEFAULT_WORKSPACE}`);
  return r;
}
