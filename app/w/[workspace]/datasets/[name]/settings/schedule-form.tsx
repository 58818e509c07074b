'use client';

import { useState, useTransition } from 'react';
import { Button } from '@/app/_components/ui/button';
import { Input, Label, Select } from '@/app/_components/ui/input';
import type { ScheduleView } from '@/lib/datasets/dataset-schedule';
import { setSchedule } from '../actions';

type Kind = 'off' | 'every' | 'cron';

export function ScheduleForm({ workspace, dataset, current }: { workspace: string; dataset: string; current: ScheduleView | null }) {
  const [kind, setKind] = useState<Kind>(current?.kind ?? 'off');
  const [minutes, setMinutes] = useState(String(current?.everyMinutes ?? 15));
  const [cron, setCron] = useState(current?.cron ?? '0 * * * *');
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  return (
    <form
      className="flex flex-wrap items-end gap-2 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        const schedule = kind === 'off' ? { kind } : kind === 'every' ? { kind, minutes: Number(minutes) } : { kind, cron };
        start(async () => {
          const r = await setSchedule({ workspace, dataset, schedule });
          setError(r.ok ? null : r.message);
        });
      }}
    >
      <Label>
        Pull
        <Select value={kind} onChange={(e) => setKind(e.target.value as Kind)} aria-label="Pull schedule">
          <option value="off">only on demand</option>
          <option value="every">every N minutes</option>
          <option value="cron">on a cron schedule (UTC)</option>
        </Select>
      </Label>
      {kind === 'every' ? (
        <Label>
          Minutes
          <Input type="number" min={1} className="w-24" value={minutes} onChange={(e) => setMinutes(e.target.value)} aria-label="Minutes" />
        </Label>
      ) : null}
      {kind === 'cron' ? (
        <Label>
          Cron (minute hour day month weekday)
          <Input className="w-48 font-mono" value={cron} onChange={(e) => setCron(e.target.value)} aria-label="Cron" />
        </Label>
      ) : null}
      <Button type="submit" disabled={pending}>
        Save schedule
      </Button>
      {error ? <p className="basis-full text-destructive" role="alert">{error}</p> : null}
    </form>
  );
}
