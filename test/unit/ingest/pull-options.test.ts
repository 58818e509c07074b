import { describe, expect, it } from 'vitest';
import { DEFAULT_COMPACTION } from '../../../lib/ingest/compact-tail';
import { resolveFollowOptions } from '../../../lib/ingest/follow-pull';
import { DEFAULT_PULL_OPTIONS, resolvePullOptions } from '../../../lib/ingest/pull-options';

describe('pull and follow options: checked in one place, whoever passes them', () => {
  it('takes the defaults under what is given (undefined leaves the default)', () => {
    expect(resolvePullOptions({ recordCap: 5, byteCap: undefined })).toEqual({ ...DEFAULT_PULL_OPTIONS, recordCap: 5 });
  });

  it.each([
    [{ byteCap: Number.NaN }, 'pull option byteCap'],
    [{ recordCap: 0 }, 'pull option recordCap'],
    [{ batchSize: 1.5 }, 'pull option batchSize'],
    [{ connectTimeoutMs: 1e10 }, 'pull option connectTimeoutMs: at most 2147483647 ms'],
    [{ idleTimeoutMs: -1 }, 'pull option idleTimeoutMs'],
    [{ maxDurationMs: Number.POSITIVE_INFINITY }, 'pull option maxDurationMs'],
    [{ protocolVersion: 3 as never }, 'pull option protocolVersion'],
  ])('refuses %o, naming the option', (options, says) => {
    expect(() => resolvePullOptions(options)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining(says) }));
  });

  it('refuses follow options that would spin or never commit', () => {
    expect(() => resolveFollowOptions({ commitIntervalMs: 0 })).toThrow(/follow option commitIntervalMs/);
    expect(() => resolveFollowOptions({ batchSize: Number.NaN })).toThrow(/follow option batchSize/);
    expect(() => resolveFollowOptions({ reconnectMaxMs: 1e12 })).toThrow(/follow option reconnectMaxMs/);
    expect(resolveFollowOptions({ lingerMs: 0 }).lingerMs).toBe(0);
    expect(() => resolveFollowOptions({ reconnectMinMs: 5000, reconnectMaxMs: 1000 })).toThrow(/reconnectMinMs \(5000\) is above reconnectMaxMs \(1000\)/);
    expect(() => resolveFollowOptions({ compaction: { minSlices: 0 } })).toThrow(/follow option compaction.minSlices/);
  });

  it('keeps the compaction defaults a partial compaction option leaves out', () => {
    expect(resolveFollowOptions({ compaction: { enabled: true } }).compaction).toEqual(DEFAULT_COMPACTION);
    expect(resolveFollowOptions({ compaction: { targetRows: 5 } }).compaction).toEqual({ ...DEFAULT_COMPACTION, targetRows: 5 });
    expect(resolveFollowOptions({ compaction: { enabled: undefined, minSlices: undefined } }).compaction).toEqual(DEFAULT_COMPACTION);
  });
});
