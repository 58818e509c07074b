'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { Button } from '@/app/_components/ui/button';
import { Card } from '@/app/_components/ui/card';
import { Input, Label } from '@/app/_components/ui/input';
import { createWorkspace } from './actions';

/** `refusal`: why this account may not create workspaces (SLUICE_WORKSPACE_CREATORS), or null. */
export function NewWorkspaceForm({ refusal }: { refusal: string | null }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [slug, setSlug] = useState('');
  return (
    <div className="mx-auto mt-6 flex w-full max-w-md flex-col gap-4">
      <Card className="p-5">
        <h1 className="mb-3 text-lg font-semibold">New workspace</h1>
        {refusal ? (
          <p className="text-sm" data-testid="workspace-creation-refused">{refusal}</p>
        ) : (
          <form
            className="flex flex-col gap-3"
            action={(form) =>
              start(async () => {
                const r = await createWorkspace({ name: String(form.get('name')), slug });
                if (r && !r.ok) setError(r.message);
              })
            }
          >
            <Label>
              Name
              <Input name="name" required onChange={(e) => setSlug(e.target.value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48))} />
            </Label>
            <Label>
              Address (workspace/dataset in the CLI and URLs)
              <Input name="slug" required value={slug} onChange={(e) => setSlug(e.target.value)} pattern="[a-z0-9][a-z0-9\-]*" />
            </Label>
            {error ? <p className="text-sm text-destructive" role="alert">{error}</p> : null}
            <Button type="submit" disabled={pending}>Create workspace</Button>
          </form>
        )}
      </Card>
      <Card className="p-5">
        <form className="flex items-end gap-2" onSubmit={(e) => { e.preventDefault(); const code = new FormData(e.currentTarget).get('code'); if (code) router.push(`/invite/${encodeURIComponent(String(code).trim())}`); }}>
          <Label className="flex-1">
            Or join with an invitation code
            <Input name="code" />
          </Label>
          <Button type="submit" variant="outline">Join</Button>
        </form>
      </Card>
    </div>
  );
}
