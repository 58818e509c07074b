'use client';

import { useState, useTransition } from 'react';
import { Button } from '../_components/ui/button';
import { Card } from '../_components/ui/card';
import { Input, Label } from '../_components/ui/input';
import { createFirstAccount } from './actions';

export function SetupForm() {
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <Card className="mx-auto mt-10 w-full max-w-sm p-5">
      <h1 className="mb-1 text-lg font-semibold">Welcome to Sluice</h1>
      <p className="mb-4 text-xs text-muted-foreground">Create the first account. It becomes the maintainer of the default workspace, where the demo dataset lives.</p>
      <form
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          startTransition(async () => {
            const r = await createFirstAccount({ name: String(form.get('name')), email: String(form.get('email')), password: String(form.get('password')) });
            if (r && !r.ok) setError(r.message);
          });
        }}
      >
        <Label>
          Name
          <Input name="name" required autoComplete="name" />
        </Label>
        <Label>
          Email
          <Input name="email" type="email" required autoComplete="email" />
        </Label>
        <Label>
          Password (10 characters or more)
          <Input name="password" type="password" required minLength={10} autoComplete="new-password" />
        </Label>
        {error ? <p className="text-sm text-destructive" role="alert">{error}</p> : null}
        <Button type="submit" disabled={pending}>
          Create account
        </Button>
      </form>
    </Card>
  );
}
