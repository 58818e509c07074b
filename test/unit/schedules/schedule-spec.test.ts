import { describe, expect, it } from 'vitest';
import { describeSchedule, isDue, nextRunAt, parseScheduleSpec } from '../../../lib/schedules/schedule-spec';

const t = (iso: string) => new Date(iso);

describe('schedule specs', () => {
  it('every N minutes: due at once the first time, then N minutes after the last run', () => {
    const spec = parseScheduleSpec({ everyMinutes: 15 });
    expect(isDue(spec, null, t('2026-11-25T10:00:00Z'))).toBe(true);
    expect(isDue(spec, t('2026-11-25T10:00:00Z'), t('2026-11-25T10:14:59Z'))).toBe(false);
    expect(isDue(spec, t('2026-11-25T10:00:00Z'), t('2026-11-25T10:15:00Z'))).toBe(true);
    expect(describeSchedule(spec)).toBe('every 15 minutes');
  });

  it('cron (UTC): due at the first matching minute after the last run', () => {
    const spec = parseScheduleSpec({ cron: '0 * * * *' });
    expect(nextRunAt(spec, t('2026-11-25T10:00:00Z'), t('2026-11-25T10:30:00Z')).toISOString()).toBe('2026-11-25T11:00:00.000Z');
    expect(isDue(spec, t('2026-11-25T10:00:00Z'), t('2026-11-25T10:59:00Z'))).toBe(false);
    expect(isDue(spec, t('2026-11-25T10:00:00Z'), t('2026-11-25T11:00:00Z'))).toBe(true);
    // Never run: due at the next matching minute, not immediately.
    expect(isDue(spec, null, t('2026-11-25T10:30:00Z'))).toBe(false);
  });

  it('refuses bad input with what to write instead', () => {
    expect(() => parseScheduleSpec({ everyMinutes: 0 })).toThrow(/1 to 10,080 minutes/);
    expect(() => parseScheduleSpec({ cron: 'every hour' })).toThrow(/five fields/);
    expect(() => parseScheduleSpec({})).toThrow(/minutes or a cron/);
  });
});
