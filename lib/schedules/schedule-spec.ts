import { Cron } from 'croner';
import { SluiceError } from '../errors';

/** When a dataset pulls by itself: every N minutes, or at the times of a cron expression (UTC). */
export type ScheduleSpec = { everyMinutes: number } | { cron: string };

/** Checks a schedule as a user typed it; errors say what to write instead. */
export function parseScheduleSpec(input: { everyMinutes?: number | null; cron?: string | null }): ScheduleSpec {
  if (input.everyMinutes != null) {
    if (!Number.isInteger(input.everyMinutes) || input.everyMinutes < 1 || input.everyMinutes > 7 * 24 * 60) {
      throw new SluiceError('INVALID_INPUT', 'pull every 1 to 10,080 minutes (a week)');
    }
    return { everyMinutes: input.everyMinutes };
  }
  const cron = input.cron?.trim();
  if (!cron) throw new SluiceError('INVALID_INPUT', 'give a number of minutes or a cron expression');
  try {
    new Cron(cron, { timezone: 'UTC', paused: true });
  } catch (err) {
    throw new SluiceError('INVALID_INPUT', `cron expression "${cron}": ${(err as Error).message} (five fields: minute hour day month weekday)`);
  }
  return { cron };
}

/** The next time the schedule wants a pull, after the last run (or from now, before the first). */
export function nextRunAt(spec: ScheduleSpec, lastRunAt: Date | null, now: Date): Date {
  if ('everyMinutes' in spec) return lastRunAt ? new Date(lastRunAt.getTime() + spec.everyMinutes * 60_000) : now;
  const from = lastRunAt ?? new Date(now.getTime() - 60_000);
  return new Cron(spec.cron, { timezone: 'UTC', paused: true }).nextRun(from) ?? new Date(8.64e15);
}

export function isDue(spec: ScheduleSpec, lastRunAt: Date | null, now: Date): boolean {
  return nextRunAt(spec, lastRunAt, now).getTime() <= now.getTime();
}

export function describeSchedule(spec: ScheduleSpec): string {
  return 'everyMinutes' in spec ? `every ${spec.everyMinutes} minute${spec.everyMinutes === 1 ? '' : 's'}` : `cron ${spec.cron} (UTC)`;
}
