import { formatCell } from '@/lib/data/cell-codec';
import { OP_LABELS, type OpCode, type Row } from '@/lib/data/row';
import type { DataField } from '@/lib/odf/data-type';
import { odfColumnKind } from '@/lib/query/column-kind';
import { Table, Td, Th } from '@/app/_components/ui/table';

/** Typed rows as a dense table; an op column shows +A/-R/-C/+C. */
export function RowsTable({ fields, rows, opColumn, testId }: { fields: DataField[]; rows: Row[]; opColumn?: string; testId?: string }) {
  return (
    <Table data-testid={testId}>
      <thead>
        <tr>
          {opColumn ? <Th>{opColumn}</Th> : null}
          {fields.map((f) => (
            <Th key={f.name} numeric={odfColumnKind(f.type) === 'number'}>
              {f.name}
            </Th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {opColumn ? <Td className="font-mono">{OP_LABELS[r[opColumn] as OpCode] ?? String(r[opColumn])}</Td> : null}
            {fields.map((f) => {
              const cell = r[f.name] ?? null;
              return (
                <Td key={f.name} numeric={odfColumnKind(f.type) === 'number'} className={cell === null ? 'text-muted-foreground' : undefined}>
                  {cell === null ? '∅' : formatCell(f.type, cell)}
                </Td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
