import { describe, expect, it } from 'vitest';
import { createReadingGenerator, demoTopic, type DemoReading } from '../../../lib/demo/demo-device';

/** Seeded PRNG (mulberry32) so the statistics below are repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Local-time date so the daily curve (which follows the local clock) is tested as designed. */
const at = (h: number, m = 0, s = 0, ms = 0) => new Date(2026, 5, 1, h, m, s, ms);

function series(device: string, from: Date, count: number, stepMs: number, seed = 1): DemoReading[] {
  const gen = createReadingGenerator([device], seeded(seed));
  return Array.from({ length: count }, (_, i) => gen.next(device, new Date(from.getTime() + i * stepMs)));
}

describe('demo readings', () => {
  it('have the published shape: RFC 3339 ms UTC time, device id, rounded values', () => {
    const gen = createReadingGenerator(['greenhouse-1'], seeded(7));
    const time = at(12, 34, 56, 789);
    const r = gen.next('greenhouse-1', time);
    expect(Object.keys(r)).toEqual(['event_time', 'device_id', 'temperature', 'humidity']);
    expect(r.event_time).toBe(time.toISOString());
    expect(r.event_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(r.device_id).toBe('greenhouse-1');
    expect(Math.round(r.temperature * 100) / 100).toBe(r.temperature);
    expect(Math.round(r.humidity * 10) / 10).toBe(r.humidity);
  });

  it('follow a daily curve: afternoons are several degrees warmer than nights', () => {
    for (const device of ['greenhouse-1', 'greenhouse-2', 'x']) {
      const mean = (rs: DemoReading[]) => rs.reduce((s, r) => s + r.temperature, 0) / rs.length;
      const afternoon = mean(series(device, at(15), 600, 1000));
      const night = mean(series(device, at(3), 600, 1000));
      expect(afternoon - night).toBeGreaterThan(4);
      expect(afternoon - night).toBeLessThan(12);
    }
  });

  it('move smoothly from one second to the next, but are not constant', () => {
    const rs = series('greenhouse-1', at(9), 3600, 1000);
    const steps = rs.slice(1).map((r, i) => Math.abs(r.temperature - rs[i].temperature));
    expect(Math.max(...steps)).toBeLessThan(0.3);
    expect(new Set(rs.map((r) => r.temperature)).size).toBeGreaterThan(100);
  });

  it('stay plausible over days of readings', () => {
    const rs = series('greenhouse-2', at(0), 3 * 24 * 60, 60_000, 3);
    for (const r of rs) {
      expect(r.temperature).toBeGreaterThan(10);
      expect(r.temperature).toBeLessThan(32);
      expect(r.humidity).toBeGreaterThanOrEqual(15);
      expect(r.humidity).toBeLessThanOrEqual(98);
    }
    // Humidity falls as temperature rises.
    const warm = rs.filter((r) => r.temperature > 23).map((r) => r.humidity);
    const cool = rs.filter((r) => r.temperature < 19).map((r) => r.humidity);
    const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(warm.length).toBeGreaterThan(0);
    expect(cool.length).toBeGreaterThan(0);
    expect(avg(warm)).toBeLessThan(avg(cool));
  });

  it('differ between devices', () => {
    const gen = createReadingGenerator(['greenhouse-1', 'greenhouse-2'], seeded(1));
    const t = at(12);
    const a = gen.next('greenhouse-1', t);
    const b = gen.next('greenhouse-2', t);
    expect(a.device_id).not.toBe(b.device_id);
    expect(a.temperature).not.toBe(b.temperature);
  });

  it('are repeatable with the same random source', () => {
    expect(series('d', at(8), 50, 1000, 42)).toEqual(series('d', at(8), 50, 1000, 42));
  });
});

describe('demoTopic', () => {
  it('is <prefix>/<device>/temperature', () => {
    expect(demoTopic('greenhouse-1')).toBe('demo/sensors/greenhouse-1/temperature');
    expect(demoTopic('probe', 'lab/x/')).toBe('lab/x/probe/temperature');
  });
});
