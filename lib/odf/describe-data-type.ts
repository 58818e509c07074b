import type { DataType } from './data-type';

const UNIT_ABBR = { Second: 's', Millisecond: 'ms', Microsecond: 'us', Nanosecond: 'ns' } as const;

/** A compact human label for an ODF type: `Int64`, `Option<Float64>`, `Timestamp(ms, UTC)`, `List<String>`. */
export function describeDataType(t: DataType): string {
  switch (t.kind) {
    case 'Option':
      return `Option<${describeDataType(t.inner)}>`;
    case 'List':
      return `List<${describeDataType(t.itemType)}>`;
    case 'Map':
      return `Map<${describeDataType(t.keyType)}, ${describeDataType(t.valueType)}>`;
    case 'Struct':
      return `Struct{${t.fields.map((f) => `${f.name}: ${describeDataType(f.type)}`).join(', ')}}`;
    case 'Decimal':
      return `Decimal(${t.precision}, ${t.scale})`;
    case 'Timestamp': {
      const parts = [t.unit ? UNIT_ABBR[t.unit] : undefined, t.timezone].filter(Boolean);
      return parts.length ? `Timestamp(${parts.join(', ')})` : 'Timestamp';
    }
    case 'Time':
    case 'Duration':
      return t.unit ? `${t.kind}(${UNIT_ABBR[t.unit]})` : t.kind;
    default:
      return t.kind;
  }
}
