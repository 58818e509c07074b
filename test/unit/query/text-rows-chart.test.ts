import { describe, expect, it } from 'vitest';
import { textRowsChart } from '../../../lib/query/text-rows-chart';
import { odfColumnKind } from '../../../lib/query/column-kind';

describe("the Data tab's chart of its page", () => {
  it('draws the first number over event time, a line per device, oldest first', () => {
    const columns = [{ name: 'event_time', kind: 'time' as const }, { name: 'device', kind: 'text' as const }, { name: 'value', kind: 'number' as const }];
    // Newest first, as the page lists them; "∅" is a null.
    const rows = [
      ['2026-11-25T10:02:00.000Z', 'b', '5'],
      ['2026-11-25T10:01:00.000Z', 'a', '∅'],
      ['2026-11-25T10:00:00.000Z', 'a', '1.5'],
    ];
    const chart = textRowsChart(columns, rows)!;
    expect(chart.choice).toEqual({ type: 'line', x: 'event_time', y: 'value', by: 'device' });
    const t0 = Date.parse('2026-11-25T10:00:00Z') / 1000;
    expect(chart.plot.xs).toEqual([t0, t0 + 60, t0 + 120]);
    expect(chart.plot.series).toEqual([{ name: 'b', ys: [null, null, 5] }, { name: 'a', ys: [1.5, null, null] }]);
  });

  it('charts nothing without a number', () => {
    expect(textRowsChart([{ name: 'event_time', kind: 'time' }, { name: 'note', kind: 'text' }], [['2026-11-25T10:00:00Z', 'x']])).toBeUndefined();
  });

  it("reads a column's kind from its ODF type", () => {
    expect(odfColumnKind({ kind: 'Option', inner: { kind: 'Float32' } })).toBe('number');
    expect(odfColumnKind({ kind: 'UInt64' })).toBe('number');
    expect(odfColumnKind({ kind: 'Decimal', precision: 10, scale: 2 })).toBe('number');
    expect(odfColumnKind({ kind: 'Timestamp' })).toBe('time');
    expect(odfColumnKind({ kind: 'String' })).toBe('text');
  });
});
