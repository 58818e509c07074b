'use client';

import { Trash2 } from 'lucide-react';
import { useState, useTransition } from 'react';
import { Button } from '@/app/_components/ui/button';
import { Input, Label } from '@/app/_components/ui/input';
import { deleteDataset } from '../actions';

/** Deleting asks for the dataset's name, as careful tools do for what cannot be undone. */
export function DeleteDataset({ workspace, dataset }: { workspace: string; dataset: string }) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  return (
    <div className="flex flex-col gap-2 text-sm">
      <p className="text-muted-foreground">Deletes the dataset&apos;s chain, data, pulls, quarantine, secrets and schedule. This cannot be undone.</p>
      <div className="flex flex-wrap items-end gap-2">
        <Label>
          Type {dataset} to confirm
          <Input value={typed} onChange={(e) => setTyped(e.target.value)} aria-label="Dataset name to delete" />
        </Label>
        <Button
          variant="destructive"
          disabled={pending || typed !== dataset}
          onClick={() =>
            start(async () => {
              const r = await deleteDataset({ workspace, dataset });
              if (r && !r.ok) setError(r.message);
            })
          }
        >
          <Trash2 /> Delete dataset
        </Button>
      </div>
      {error ? <p className="text-destructive" role="alert">{error}</p> : null}
    </div>
  );
}
