'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { workspacePath } from '@/app/_components/paths';
import { parseInput, WorkspaceSlug } from '@/lib/server/action-input';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { getAuth } from '@/lib/server/auth';
import { requireViewer } from '@/lib/server/guard';

const NewWorkspace = z.object({ name: z.string().min(1).max(100), slug: WorkspaceSlug });

/** Any signed-in account may create a workspace; it becomes its maintainer. */
export async function createWorkspace(input: z.input<typeof NewWorkspace>): Promise<ActionResult> {
  const r = await runAction(async () => {
    const body = parseInput(NewWorkspace, input);
    await requireViewer();
    await (await getAuth()).api.createOrganization({ headers: await headers(), body });
    return undefined;
  });
  if (r.ok) redirect(workspacePath(input.slug));
  return r;
}
