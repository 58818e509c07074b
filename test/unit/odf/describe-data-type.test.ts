import { describe, expect, it } from 'vitest';
import { describeDataType } from '../../../lib/odf/describe-data-type';

describe('describeDataType', () => {
  it.each([
    [{ kind: 'Int64' }, 'Int64'],
    [{ kind: 'Option', inner: { kind: 'Float64' } }, 'Option<Float64>'],
    [{ kind: 'Timestamp', unit: 'Millisecond', timezone: 'UTC' }, 'Timestamp(ms, UTC)'],
    [{ kind: 'Timestamp' }, 'Timestamp'],
    [{ kind: 'Decimal', precision: 10, scale: 2 }, 'Decimal(10, 2)'],
    [{ kind: 'List', itemType: { kind: 'String' } }, 'List<String>'],
    [{ kind: 'Struct', fields: [{ name: 'x', type: { kind: 'Bool' } }] }, 'Struct{x: Bool}'],
  ] as const)('%j → %s', (type, label) => {
    expect(describeDataType(type as never)).toBe(label);
  });
});
