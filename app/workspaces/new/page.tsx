import type { Metadata } from 'next';
import { mayCreateWorkspace, WORKSPACE_CREATORS_MESSAGE } from '@/lib/auth/account-policy';
import { readEnv } from '@/lib/config/env';
import { accountPolicy } from '@/lib/config/signup';
import { requireViewer } from '@/lib/server/guard';
import { guardPage } from '@/lib/server/page-guard';
import { getStore } from '@/lib/server/store';
import { NewWorkspaceForm } from './new-workspace-form';

export const metadata: Metadata = { title: 'New workspace' };
export const dynamic = 'force-dynamic';

export default async function NewWorkspacePage() {
  const viewer = await guardPage(requireViewer);
  const policy = accountPolicy(readEnv());
  const allowed = await mayCreateWorkspace((await getStore()).prisma, policy, viewer.id);
  return <NewWorkspaceForm refusal={allowed ? null : WORKSPACE_CREATORS_MESSAGE[policy.workspaceCreators]} />;
}
