'use client';

import { Download, Loader2 } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useEffect, useState, useTransition } from 'react';
import { plural } from '@/app/_components/format';
import { Button } from '@/app/_components/ui/button';
import type { PullRunState } from '@/lib/server/pull-runner';
import { pullNow } from '../actions';

/** "Pull now": starts the server's pull and shows its live progress, then its summary or error. */
/** `qos0Topics`: the dataset's QoS 0 filters, whose messages the broker keeps for no one between pulls. */
export function PullButton({ workspace, dataset, pullable, running, qos0Topics }: { workspace: string; dataset: string; pullable: boolean; running: PullRunState | null; qos0Topics: string[] }) {
  const router = useRouter();
  const [run, setRun] = useState<PullRunState | null>(running);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [pending, startTransition] = useTransition();

  const runId = run && !run.endedAt ? run.id : null;
  useEffect(() => {
    if (!runId) return;
    const events = new EventSource(`/api/pull-runs/${runId}`);
    events.onmessage = (e) => {
      const next = JSON.parse(e.data) as PullRunState;
      setRun(next);
      if (next.endedAt) {
        events.close();
        router.refresh();
      }
    };
    events.onerror = () => events.close();
    return () => events.close();
  }, [runId, router]);

  const start = () =>
    startTransition(async () => {
      setError(null);
      setNotice(null);
      const r = await pullNow({ workspace, dataset });
      if (!r.ok) return setError(r);
      if (r.data.alreadyRunning) setNotice('A pull of this dataset is already running; showing its progress.');
      setRun(r.data.run);
      if (r.data.run.endedAt) router.refresh();
    });

  const busy = pending || (run !== null && !run.endedAt);
  return (
    <div className="flex items-center gap-3">
      <div className="text-xs" role="status" aria-live="polite" data-testid="pull-status">
        {notice ? <span className="mr-2 text-warning">{notice}</span> : null}
        {error ? (
          <span className="text-destructive">
            {error.code}: {error.message}
          </span>
        ) : run ? (
          <PullSummary run={run} qos0Topics={qos0Topics} />
        ) : null}
      </div>
      <Button onClick={start} disabled={!pullable || busy} title={pullable ? 'Pull from the broker now' : 'Only MQTT sources are pulled by Sluice'}>
        {busy ? <Loader2 className="animate-spin" /> : <Download />}
        Pull now
      </Button>
    </div>
  );
}

function PullSummary({ run, qos0Topics }: { run: PullRunState; qos0Topics: string[] }) {
  const counts = `${plural(run.messagesReceived, 'message')} · ${plural(run.rowsCommitted, 'row')} · ${run.quarantined} quarantined`;
  if (run.error) {
    return (
      <span className="text-destructive">
        Pull failed — {run.error.code}: {run.error.message}
      </span>
    );
  }
  if (!run.endedAt) return <span className="text-muted-foreground">Pulling ({run.stage}) · {counts}</span>;
  const outcome = run.pending ? (run.outcome === 'updated' ? 'Updated, not caught up' : 'Not caught up') : run.outcome === 'updated' ? 'Updated' : 'Up to date';
  return (
    <span className={run.outcome === 'updated' ? 'text-success' : 'text-muted-foreground'}>
      {outcome} · {counts}
      {run.duplicates ? ` · ${plural(run.duplicates, 'duplicate')} skipped` : ''} · {plural(run.pulls, 'pull')}
      {run.pending ? (
        <span className="block text-xs text-warning" data-testid="pull-pending">
          {run.pending}
        </span>
      ) : null}
      {run.notes.map((note) => (
        <span key={note} className="block text-xs text-warning" data-testid="pull-note">
          {note}
        </span>
      ))}
      {run.outcome === 'up_to_date' && !run.pending && qos0Topics.length ? (
        <span className="block text-xs" data-testid="pull-qos0-hint">
          {qos0Topics.join(', ')} {qos0Topics.length === 1 ? 'is' : 'are'} subscribed at QoS 0: messages published while no pull is connected are not kept by the broker (only retained values come). Use QoS 1 (AtLeastOnce) to collect them.
        </span>
      ) : null}
    </span>
  );
}
