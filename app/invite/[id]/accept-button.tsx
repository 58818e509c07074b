'use client';

import { useState, useTransition } from 'react';
import { Button } from '@/app/_components/ui/button';
import { acceptInvitation } from './actions';

export function AcceptButton({ invitationId }: { invitationId: string }) {
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="flex flex-col gap-2">
      <Button disabled={pending} onClick={() => start(async () => {
        const r = await acceptInvitation(invitationId);
        if (r && !r.ok) setError(r.message);
      })}>
        Accept and join
      </Button>
      {error ? <p className="text-destructive" role="alert">{error}</p> : null}
    </div>
  );
}
