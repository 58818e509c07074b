import type { Metadata } from 'next';
import { AuthForm } from '../_components/auth-form';
import { safeNext } from '../_components/safe-next';

export const metadata: Metadata = { title: 'Create an account' };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  return <AuthForm mode="sign-up" next={safeNext((await searchParams).next)} />;
}
