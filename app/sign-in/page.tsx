import type { Metadata } from 'next';
import { AuthForm } from '../_components/auth-form';
import { safeNext } from '../_components/safe-next';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  return <AuthForm mode="sign-in" next={safeNext((await searchParams).next)} />;
}
