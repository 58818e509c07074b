'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { getAuthClient } from '@/lib/browser/auth-client';
import { Button } from './ui/button';
import { Card } from './ui/card';
import { Input, Label } from './ui/input';

/** The invitation a sign-up form is for: its address is the account's, fixed. */
export interface SignupInvitation {
  id: string;
  email: string;
  workspace: string;
}

/**
 * Sign-in and sign-up, through Better Auth's endpoints; `next` (already checked by safeNext) is
 * where to go afterwards. `signupOpen` says whether anyone may create an account; with an
 * `invitation`, the sign-up form is for that invitation's address (the server holds it to it).
 */
export function AuthForm({ mode, next, signupOpen = false, invitation }: { mode: 'sign-in' | 'sign-up'; next: string; signupOpen?: boolean; invitation?: SignupInvitation }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const submit = (form: FormData) =>
    startTransition(async () => {
      const email = invitation ? invitation.email : String(form.get('email'));
      const password = String(form.get('password'));
      const r =
        mode === 'sign-in'
          ? await getAuthClient().signIn.email({ email, password })
          : await getAuthClient().signUp.email({ email, password, name: String(form.get('name')), ...(invitation ? { invitationId: invitation.id } : {}) });
      if (r.error) {
        setError(r.error.status === 429 ? 'Too many attempts: wait a minute and try again.' : (r.error.message ?? 'That did not work.'));
        return;
      }
      router.push(next);
      router.refresh();
    });
  return (
    <Card className="mx-auto mt-10 w-full max-w-sm p-5">
      <h1 className="mb-4 text-lg font-semibold">{mode === 'sign-in' ? 'Sign in to Sluice' : 'Create an account'}</h1>
      {invitation ? (
        <p className="mb-3 text-xs text-muted-foreground" data-testid="signup-invitation">
          For the invitation to <strong>{invitation.workspace}</strong>, sent to <strong>{invitation.email}</strong>.
        </p>
      ) : null}
      {/* onSubmit, not a form action: React resets a form after its action, losing the typed email. */}
      <form
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          submit(new FormData(e.currentTarget));
        }}
      >
        {mode === 'sign-up' ? (
          <Label>
            Name
            <Input name="name" required autoComplete="name" />
          </Label>
        ) : null}
        <Label>
          Email
          {invitation ? (
            <Input name="email" type="email" value={invitation.email} readOnly aria-readonly="true" className="bg-muted" autoComplete="email" />
          ) : (
            <Input name="email" type="email" required autoComplete="email" />
          )}
        </Label>
        <Label>
          Password
          <Input name="password" type="password" required minLength={mode === 'sign-up' ? 10 : undefined} autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'} />
        </Label>
        {error ? (
          <p className="text-sm text-destructive" role="alert" data-testid="auth-error">
            {error}
          </p>
        ) : null}
        <Button type="submit" disabled={pending}>
          {mode === 'sign-in' ? 'Sign in' : 'Create account'}
        </Button>
      </form>
      <p className="mt-4 text-xs text-muted-foreground" data-testid="auth-alternative">
        {mode === 'sign-up' ? (
          <>
            Have an account? <Link className="text-primary underline" href={`/sign-in?next=${encodeURIComponent(next)}`}>Sign in</Link>
          </>
        ) : signupOpen ? (
          <>
            No account? <Link className="text-primary underline" href={`/sign-up?next=${encodeURIComponent(next)}`}>Create one</Link>
          </>
        ) : (
          <>No account? Sign-up is by invitation: open the invitation link a workspace maintainer gave you.</>
        )}
      </p>
    </Card>
  );
}

/** The sign-up page when sign-up is closed and there is no (usable) invitation. */
export function SignupClosed({ next, reason }: { next: string; reason: 'closed' | 'invitation-unusable' }) {
  return (
    <Card className="mx-auto mt-10 w-full max-w-sm p-5 text-sm">
      <h1 className="mb-3 text-lg font-semibold">Sign-up is by invitation</h1>
      <p data-testid="signup-closed">
        {reason === 'invitation-unusable'
          ? 'This invitation does not exist, was cancelled, was already used, or has expired. Ask a maintainer for a new one.'
          : 'Accounts on this Sluice are created from an invitation: open the invitation link a workspace maintainer gave you.'}
      </p>
      <p className="mt-4 text-xs text-muted-foreground">
        Have an account? <Link className="text-primary underline" href={`/sign-in?next=${encodeURIComponent(next)}`}>Sign in</Link>
      </p>
    </Card>
  );
}
