import { redirect } from 'next/navigation';
import { getViewer } from '@/lib/server/guard';
import { getStore } from '@/lib/server/store';
import { workspacePath } from './_components/paths';

export const dynamic = 'force-dynamic';

/** Home: the first run sets up an account; then each account lands in its first workspace. */
export default async function Home() {
  const store = await getStore();
  const viewer = await getViewer();
  if (!viewer) redirect((await store.workspaces.countUsers()) === 0 ? '/setup' : '/sign-in');
  const [first] = await store.workspaces.listForUser(viewer.id);
  redirect(first ? workspacePath(first.slug) : '/workspaces/new');
}
