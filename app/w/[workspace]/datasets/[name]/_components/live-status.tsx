'use client';

import { useEffect, useState } from 'react';
import type { DatasetLive } from '@/lib/datasets/dataset-live';

const REFRESH_MS = 2000;

/**
 * An always-on dataset's stream, refreshed every 2 s while the page is open: whether a runner holds
 * it and is connected to the broker (Live only then: before, what is published does not reach it),
 * why not while it waits to connect again,
 * how long ago the last slice was committed, and rows per second between two refreshes.
 */
export function LiveStatus({ workspace, dataset, initial }: { workspace: string; dataset: string; initial: DatasetLive }) {
  const [live, setLive] = useState(initial);
  const [rate, setRate] = useState<number | null>(null);
  useEffect(() => {
    let previous = initial;
    let stopped = false;
    const url = `/api/w/${encodeURIComponent(workspace)}/datasets/${encodeURIComponent(dataset)}/live`;
    const timer = setInterval(async () => {
      const res = await fetch(url).catch(() => undefined);
      if (!res?.ok || stopped) return;
      const next = (await res.json()) as DatasetLive;
      const seconds = (Date.parse(next.now) - Date.parse(previous.now)) / 1000;
      if (seconds > 0) setRate((Number(next.rows) - Number(previous.rows)) / seconds);
      previous = next;
      setLive(next);
    }, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [workspace, dataset, initial]);
  if (!live.alwaysOn && !live.streamingSince) return null;
  const ago = live.lastCommitAt ? Math.max(0, (Date.parse(live.now) - Date.parse(live.lastCommitAt)) / 1000) : null;
  return (
    <span className="inline-flex items-center gap-2 text-xs" data-testid="live-status">
      <span className={`inline-block h-2 w-2 rounded-full ${live.connectedSince ? 'bg-green-500' : 'bg-amber-500'}`} aria-hidden />
      <span className="font-medium">{live.connectedSince ? 'Live' : live.streamingSince ? 'Connecting to the broker' : 'Always on: waiting for the worker'}</span>
      {live.waitingOn ? (
        <span className="text-amber-700" title={live.waitingOn.code} data-testid="live-waiting-on">
          {live.waitingOn.message}
        </span>
      ) : null}
      {ago !== null ? <span className="text-muted-foreground">last commit {ago < 10 ? ago.toFixed(1) : Math.round(ago)} s ago</span> : null}
      {rate !== null && live.connectedSince ? <span className="text-muted-foreground">{Math.round(rate).toLocaleString('en-US')} rows/s</span> : null}
    </span>
  );
}
