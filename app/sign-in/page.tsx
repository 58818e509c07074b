import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { isSetUp } from '@/lib/auth/account-policy';
import { readEnv } from '@/lib/config/env';
import { isSignupOpen } from '@/lib/config/signup';
import { getStore } from '@/lib/server/store';
import { AuthForm } from '../_components/auth-form';
import { safeNext } from '../_components/safe-next';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  if (!(await isSetUp((await getStore()).prisma))) redirect('/setup');
  const env = readEnv();
  return <AuthForm mode="sign-in" next={safeNext((await searchParams).next, env.SLUICE_PUBLIC_URL)} signupOpen={isSignupOpen(env)} />;
}
