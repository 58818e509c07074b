import { describe, expect, it } from 'vitest';
import { suggestChart } from '../../../lib/query/chart-suggestion';

describe('suggestChart', () => {
  it('a number over time is a line, ignoring the system columns offset and op', () => {
    expect(suggestChart([{ name: 'offset', kind: 'number' }, { name: 'op', kind: 'number' }, { name: 'event_time', kind: 'time' }, { name: 'temperature', kind: 'number' }])).toEqual({ type: 'line', x: 'event_time', y: 'temperature' });
  });
  it('a number over time with a text column is a line per text value', () => {
    expect(suggestChart([{ name: 'event_time', kind: 'time' }, { name: 'device', kind: 'text' }, { name: 'temperature', kind: 'number' }])).toEqual({ type: 'line', x: 'event_time', y: 'temperature', by: 'device' });
  });
  it('a number per text value is a bar chart; two numbers a scatter; text alone nothing', () => {
    expect(suggestChart([{ name: 'device', kind: 'text' }, { name: 'n', kind: 'number' }])).toEqual({ type: 'bar', x: 'device', y: 'n' });
    expect(suggestChart([{ name: 'a', kind: 'number' }, { name: 'b', kind: 'number' }])).toEqual({ type: 'scatter', x: 'a', y: 'b' });
    expect(suggestChart([{ name: 'device', kind: 'text' }])).toBeUndefined();
  });
});
