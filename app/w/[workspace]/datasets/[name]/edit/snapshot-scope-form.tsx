'use client';

import { useState, useTransition } from 'react';
import { Button } from '@/app/_components/ui/button';
import { Label, Select } from '@/app/_components/ui/input';
import { SNAPSHOT_SCOPES, describeSnapshotScope, type SnapshotScope } from '@/lib/datasets/snapshot-scope';
import { setDatasetSnapshotScope } from '../actions';

/**
 * The dataset's snapshot scope: a Sluice setting kept outside the manifest, so the exported
 * manifest stays valid for Kamu. Shown for Snapshot merges only.
 */
export function SnapshotScopeForm({ workspace, dataset, current }: { workspace: string; dataset: string; current: SnapshotScope }) {
  const [scope, setScope] = useState<SnapshotScope>(current);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [pending, start] = useTransition();
  return (
    <form
      className="flex flex-wrap items-end gap-2 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        start(async () => {
          const r = await setDatasetSnapshotScope({ workspace, dataset, scope });
          setMessage(r.ok ? { ok: true, text: 'Saved' } : { ok: false, text: r.message });
        });
      }}
    >
      <Label>
        A Snapshot pull&apos;s snapshot is
        <Select value={scope} onChange={(e) => setScope(e.target.value as SnapshotScope)} aria-label="Snapshot scope">
          {SNAPSHOT_SCOPES.map((s) => (
            <option key={s} value={s}>
              {describeSnapshotScope(s)}
              {s === 'pull' ? ' (Kamu)' : ''}
            </option>
          ))}
        </Select>
      </Label>
      <Button type="submit" variant="outline" disabled={pending}>
        Save scope
      </Button>
      {message ? (
        <p className={message.ok ? 'text-muted-foreground' : 'text-destructive'} role={message.ok ? 'status' : 'alert'} data-testid="snapshot-scope-result">
          {message.text}
        </p>
      ) : null}
      <p className="basis-full text-xs text-muted-foreground">
        Every record of a pull is Kamu&apos;s rule (a key read twice keeps its latest record). Each topic&apos;s latest message suits devices that publish their complete
        state on their own topic each time. Not part of the manifest: exports stay Kamu&apos;s.
      </p>
    </form>
  );
}
