import { describeSchedule, nextRunAt } from '../schedules/schedule-spec';
import type { Store } from '../store/open-store';
import { getDatasetOrThrow } from './dataset-layout';
import type { DatasetKey } from './dataset-key';

/** A dataset's schedule as the console shows it (plain values). */
export interface ScheduleView {
  kind: 'every' | 'cron';
  everyMinutes: number | null;
  cron: string | null;
  description: string;
  updatedBy: string | null;
  lastRunAt: string | null;
  lastOutcome: string | null;
  lastError: string | null;
  lastRows: number | null;
  nextRunAt: string;
}

export async function getDatasetSchedule(store: Store, dataset: DatasetKey, now = new Date()): Promise<ScheduleView | null> {
  const d = await getDatasetOrThrow(store.datasets, dataset);
  const s = await store.schedules.get(d.id);
  if (!s) return null;
  return {
    kind: 'everyMinutes' in s.spec ? 'every' : 'cron',
    everyMinutes: 'everyMinutes' in s.spec ? s.spec.everyMinutes : null,
    cron: 'cron' in s.spec ? s.spec.cron : null,
    description: describeSchedule(s.spec),
    updatedBy: s.updatedBy,
    lastRunAt: s.lastRunAt?.toISOString() ?? null,
    lastOutcome: s.lastOutcome,
    lastError: s.lastError,
    lastRows: s.lastRows,
    // Runs start at the first minute tick at or after this time.
    nextRunAt: new Date(Math.max(nextRunAt(s.spec, s.lastRunAt, now).getTime(), now.getTime())).toISOString(),
  };
}
