'use client';

import { Trash2 } from 'lucide-react';
import { useState, useTransition } from 'react';
import { formatTime } from '@/app/_components/format';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import type { QuarantineEntry } from '@/lib/datasets/dataset-quarantine';
import { discardQuarantined } from '../actions';

/** Bad payloads with their reasons; the raw bytes as text or hex; discard one or all. */
export function QuarantineList({ workspace, dataset, entries, canDiscard }: { workspace: string; dataset: string; entries: QuarantineEntry[]; canDiscard: boolean }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const discard = (ids: string[] | 'all') =>
    startTransition(async () => {
      const r = await discardQuarantined({ workspace, dataset, ids });
      setError(r.ok ? null : r.message);
    });
  return (
    <div className="flex flex-col gap-2">
      <div className="flex items-center gap-2 text-xs text-muted-foreground">
        <span>{entries.length} quarantined {entries.length === 1 ? 'message' : 'messages'}. Discarding keeps them out of this list; data is not affected.</span>
        {canDiscard ? (
          <Button className="ml-auto" variant="outline" size="sm" disabled={pending} onClick={() => discard('all')}>
            <Trash2 /> Discard all
          </Button>
        ) : null}
      </div>
      {error ? <p className="text-destructive">{error}</p> : null}
      <ul className="flex flex-col gap-2" data-testid="quarantine-list">
        {entries.map((q) => (
          <QuarantineItem key={q.id} q={q} pending={pending} onDiscard={canDiscard ? () => discard([q.id]) : undefined} />
        ))}
      </ul>
    </div>
  );
}

function QuarantineItem({ q, pending, onDiscard }: { q: QuarantineEntry; pending: boolean; onDiscard?: () => void }) {
  const [hex, setHex] = useState(q.view.kind === 'hex');
  return (
    <li className="rounded-md border" data-testid="quarantine-item">
      <div className="flex flex-wrap items-center gap-2 border-b px-3 py-1.5 text-xs">
        <code className="font-mono">{q.topic}</code>
        <Badge>QoS {q.qos}</Badge>
        {q.retained ? <Badge tone="warning">retained</Badge> : null}
        <span className="text-muted-foreground">{q.size} bytes · {formatTime(q.receivedAt)}</span>
        <div className="ml-auto flex gap-1">
          {q.view.kind !== 'hex' ? (
            <Button variant="ghost" size="sm" onClick={() => setHex(!hex)}>
              {hex ? 'Text' : 'Hex'}
            </Button>
          ) : null}
          {onDiscard ? (
            <Button variant="ghost" size="sm" disabled={pending} onClick={onDiscard} aria-label={`Discard message ${q.id}`}>
              <Trash2 /> Discard
            </Button>
          ) : null}
        </div>
      </div>
      <p className="px-3 pt-1.5 text-xs text-destructive" data-testid="quarantine-reason">{q.reason}</p>
      <pre className="m-2 max-h-48 overflow-auto rounded bg-muted p-2 font-mono text-xs whitespace-pre-wrap break-all">{hex ? q.hex : q.view.text}</pre>
    </li>
  );
}
