import type { ScheduleView } from '@/lib/datasets/dataset-schedule';
import { formatTime, plural, statusLabel, statusTone } from './format';
import { Badge } from './ui/badge';

/** The schedule, its last run (outcome, rows, error) and the next one. */
export function ScheduleSummary({ schedule }: { schedule: ScheduleView | null }) {
  if (!schedule) return <p className="text-sm text-muted-foreground">Not scheduled: pulls run when someone presses Pull now or runs the CLI.</p>;
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm" data-testid="schedule-summary">
      <dt className="text-muted-foreground">Schedule</dt>
      <dd>{schedule.description}</dd>
      <dt className="text-muted-foreground">Last run</dt>
      <dd>
        {schedule.lastRunAt ? (
          <span className="flex flex-wrap items-center gap-1.5">
            {formatTime(schedule.lastRunAt)}
            <Badge tone={statusTone(schedule.lastOutcome ?? '')}>{statusLabel(schedule.lastOutcome ?? '')}</Badge>
            {schedule.lastRows !== null ? <span className="text-muted-foreground">{plural(schedule.lastRows, 'row')}</span> : null}
            {schedule.lastError ? <span className="text-destructive">{schedule.lastError}</span> : null}
          </span>
        ) : (
          'not yet'
        )}
      </dd>
      <dt className="text-muted-foreground">Next run</dt>
      <dd>{formatTime(schedule.nextRunAt)}</dd>
    </dl>
  );
}
