'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { workspacePath } from '@/app/_components/paths';
import { mayCreateWorkspace, WORKSPACE_CREATORS_MESSAGE, WorkspaceName } from '@/lib/auth/account-policy';
import { readEnv } from '@/lib/config/env';
import { accountPolicy } from '@/lib/config/signup';
import { SluiceError } from '@/lib/errors';
import { parseInput, WorkspaceSlug } from '@/lib/server/action-input';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { getAuth } from '@/lib/server/auth';
import { requireViewer } from '@/lib/server/guard';
import { getStore } from '@/lib/server/store';

const NewWorkspace = z.object({ name: WorkspaceName, slug: WorkspaceSlug });

/**
 * Creates a workspace, whose maintainer the creator becomes, if SLUICE_WORKSPACE_CREATORS allows
 * the account to (Better Auth's endpoint enforces the same rule: lib/auth/create-auth.ts).
 */
export async function createWorkspace(input: z.input<typeof NewWorkspace>): Promise<ActionResult> {
  const r = await runAction(async () => {
    const body = parseInput(NewWorkspace, input);
    const viewer = await requireViewer();
    const policy = accountPolicy(readEnv());
    if (!(await mayCreateWorkspace((await getStore()).prisma, policy, viewer.id))) throw new SluiceError('FORBIDDEN', WORKSPACE_CREATORS_MESSAGE[policy.workspaceCreators]);
    await (await getAuth()).api.createOrganization({ headers: await headers(), body });
    return undefined;
  });
  if (r.ok) redirect(workspacePath(input.slug));
  return r;
}
