import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { isSetUp, usableInvitation } from '@/lib/auth/account-policy';
import { readEnv } from '@/lib/config/env';
import { isSignupOpen } from '@/lib/config/signup';
import { getStore } from '@/lib/server/store';
import { AuthForm, SignupClosed } from '../_components/auth-form';
import { safeNext } from '../_components/safe-next';

export const metadata: Metadata = { title: 'Create an account' };
export const dynamic = 'force-dynamic';

/**
 * Sign-up: from an invitation link (`?invitation=<id>`) for that invitation's address only, or by
 * anyone when the operator opened sign-up (SLUICE_OPEN_SIGNUP=1). Better Auth's endpoint enforces
 * the same rules (lib/auth/create-auth.ts); this page only says what is possible.
 */
export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ next?: string | string[]; invitation?: string | string[] }> }) {
  const store = await getStore();
  if (!(await isSetUp(store.prisma))) redirect('/setup');
  const env = readEnv();
  const params = await searchParams;
  const next = safeNext(params.next, env.SLUICE_PUBLIC_URL);
  if (params.invitation !== undefined) {
    const invitation = await usableInvitation(store.prisma, typeof params.invitation === 'string' ? params.invitation : undefined);
    if (!invitation) return <SignupClosed next={next} reason="invitation-unusable" />;
    return <AuthForm mode="sign-up" next={next} invitation={{ id: invitation.id, email: invitation.email, workspace: invitation.organization.name }} />;
  }
  if (!isSignupOpen(env)) return <SignupClosed next={next} reason="closed" />;
  return <AuthForm mode="sign-up" next={next} signupOpen />;
}
