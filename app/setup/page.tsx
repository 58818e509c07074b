import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { getStore } from '@/lib/server/store';
import { SetupForm } from './setup-form';

export const metadata: Metadata = { title: 'Set up' };
export const dynamic = 'force-dynamic';

export default async function SetupPage() {
  if ((await (await getStore()).workspaces.countUsers()) > 0) redirect('/sign-in');
  return <SetupForm />;
}
