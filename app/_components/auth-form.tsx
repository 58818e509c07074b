'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { getAuthClient } from '@/lib/browser/auth-client';
import { Button } from './ui/button';
import { Card } from './ui/card';
import { Input, Label } from './ui/input';

/** Sign-in and sign-up, through Better Auth's endpoints; `next` is where to go afterwards. */
export function AuthForm({ mode, next }: { mode: 'sign-in' | 'sign-up'; next: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const submit = (form: FormData) =>
    startTransition(async () => {
      const email = String(form.get('email'));
      const password = String(form.get('password'));
      const r =
        mode === 'sign-in'
          ? await getAuthClient().signIn.email({ email, password })
          : await getAuthClient().signUp.email({ email, password, name: String(form.get('name')) });
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
          <Input name="email" type="email" required autoComplete="email" />
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
      <p className="mt-4 text-xs text-muted-foreground">
        {mode === 'sign-in' ? (
          <>
            No account? <Link className="text-primary underline" href={`/sign-up?next=${encodeURIComponent(next)}`}>Create one</Link>
          </>
        ) : (
          <>
            Have an account? <Link className="text-primary underline" href={`/sign-in?next=${encodeURIComponent(next)}`}>Sign in</Link>
          </>
        )}
      </p>
    </Card>
  );
}
