import type { Metadata } from 'next';
import { requireViewer } from '@/lib/server/guard';
import { guardPage } from '@/lib/server/page-guard';
import { NewWorkspaceForm } from './new-workspace-form';

export const metadata: Metadata = { title: 'New workspace' };
export const dynamic = 'force-dynamic';

export default async function NewWorkspacePage() {
  await guardPage(requireViewer);
  return <NewWorkspaceForm />;
}
