/** Column layout, keys, validation and ordering shared by the merge strategies. */
import { cellsDistinct, compareCells, rowCellKey } from '../../data/cell-codec';
import type { Cell, OpCode, Row } from '../../data/row';
import { unwrapOption, type DataType } from '../../odf/data-type';
import { type MergeContext, MergeError, type MergeStrategyKind, type StateNeed } from './merge-strategy';

type RowOrder = (a: Row, b: Row) => number;

const INTEGER_KINDS = new Set<DataType['kind']>(['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64']);

/** State-table key of a row: its primary-key cells as a `cellKey` (null equals null here). */
export function stateKeyOf(primaryKey: readonly string[], row: Row): string {
  return rowCellKey(primaryKey, row);
}

/** Key for joining a row against the state: undefined if a PK cell is null, as SQL joins never match null. */
export function joinKeyOf(primaryKey: readonly string[], row: Row): string | undefined {
  return hasNullKeyCell(primaryKey, row) ? undefined : stateKeyOf(primaryKey, row);
}

function hasNullKeyCell(primaryKey: readonly string[], row: Row): boolean {
  for (const column of primaryKey) {
    if (row[column] === null || row[column] === undefined) return true;
  }
  return false;
}

/**
 * The merge keys of one batch's rows, each computed once: the engine wants a row's key when it
 * looks up the state, when the strategy merges and when the state takes the merged rows (a Ledger
 * batch built each key three times, a fifth of its merge's CPU and garbage). A strategy's output
 * row shares the key of the input row it was emitted from (`emitted`). A row with a null key cell
 * is not remembered when joined: the engine fills a null event time after the merge, which gives
 * the row its state key then. Rows must not change their key cells while a BatchKeys knows them.
 */
export class BatchKeys {
  private readonly keys = new Map<Row, string>();

  constructor(readonly primaryKey: readonly string[]) {}

  /** joinKeyOf(primaryKey, row). */
  join(row: Row): string | undefined {
    return hasNullKeyCell(this.primaryKey, row) ? undefined : this.state(row);
  }

  /** stateKeyOf(primaryKey, row). */
  state(row: Row): string {
    let key = this.keys.get(row);
    if (key === undefined) {
      key = stateKeyOf(this.primaryKey, row);
      this.keys.set(row, key);
    }
    return key;
  }

  /** Returns `out`, emitted from `row` with the same key cells: it takes the key `row` was joined by, if any. */
  emitted(row: Row, out: Row): Row {
    const key = this.keys.get(row);
    if (key !== undefined) this.keys.set(out, key);
    return out;
  }
}

/** `keys` need for the distinct joinable keys of some rows (none if there are none). */
export function keysNeed(primaryKey: readonly string[], rows: Iterable<Row>, batchKeys: BatchKeys = new BatchKeys(primaryKey)): StateNeed {
  const keys = new Set<string>();
  for (const row of rows) {
    const key = batchKeys.join(row);
    if (key !== undefined) keys.add(key);
  }
  return keys.size === 0 ? { kind: 'none' } : { kind: 'keys', keys: [...keys] };
}

/** Operation code of an op cell (the column may be any integer type), or null. */
export function opCodeOf(cell: Cell | undefined): number | null {
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'bigint') return Number(cell);
  return null;
}

/**
 * Kamu's change test (`old IS DISTINCT FROM new` over the compared columns), where the event time
 * only counts when the new value is non-null: a missing event time is "unknown", not a change.
 */
export function rowChanged(columns: readonly string[], eventTimeColumn: string, old: Row, next: Row): boolean {
  return columns.some((column) => {
    const value = next[column];
    if (column === eventTimeColumn && (value === null || value === undefined)) return false;
    return cellsDistinct(old[column], value);
  });
}

/**
 * What a strategy knows about its input columns, checked once at creation with Kamu's writer-level
 * rules: no offset/system-time input columns; the op column forbidden, optional or required.
 */
export class MergeLayout {
  readonly opColumn: string;
  readonly eventTimeColumn: string;
  /** Columns after the op column in output rows: the input columns except op. */
  readonly dataColumns: string[];
  /** Whether the input rows carry an op column. */
  readonly hasOpInput: boolean;
  private readonly types: Map<string, DataType>;

  constructor(kind: MergeStrategyKind, ctx: MergeContext, opInput: 'forbidden' | 'optional' | 'required') {
    const { vocab, fields } = ctx;
    this.opColumn = vocab.operationTypeColumn;
    this.eventTimeColumn = vocab.eventTimeColumn;
    this.types = new Map(fields.map((f) => [f.name, f.type]));
    this.dataColumns = fields.map((f) => f.name).filter((name) => name !== this.opColumn);

    for (const system of [vocab.offsetColumn, vocab.systemTimeColumn]) {
      if (this.types.has(system)) {
        throw new MergeError(`input column "${system}" clashes with a system column; rename the column or use SetVocab`);
      }
    }
    const opType = this.types.get(this.opColumn);
    this.hasOpInput = opType !== undefined;
    if (opInput === 'forbidden' && opType) {
      throw new MergeError(
        `input column "${this.opColumn}" clashes with the operation type column that ${kind} adds; rename the column or use SetVocab`,
      );
    }
    if (opInput === 'required' && !opType) {
      throw new MergeError(
        `${kind} needs an operation type column "${this.opColumn}" in the read schema (columns: ${this.columnList()})`,
      );
    }
    if (opType && !INTEGER_KINDS.has(unwrapOption(opType).kind)) {
      throw new MergeError(`operation type column "${this.opColumn}" must have an integer type`);
    }
  }

  private columnList(): string {
    return [...this.types.keys()].join(', ');
  }

  /** Checks a configured column list ("primary key", "compare") against the input columns. */
  checkColumns(label: string, columns: readonly string[]): void {
    if (columns.length === 0) throw new MergeError(`${label} columns must not be empty`);
    for (const column of columns) {
      if (!this.types.has(column)) {
        throw new MergeError(`${label} column "${column}" is not in the read schema (columns: ${this.columnList()})`);
      }
    }
  }

  /** A new output row: the op column first, then the data columns (absent ones as null). */
  emit(op: OpCode, row: Row): Row {
    const out: Row = { [this.opColumn]: op };
    for (const column of this.dataColumns) out[column] = row[column] ?? null;
    return out;
  }

  /** Append/Ledger order: event time ascending, nulls first (input order without an event-time column). */
  byEventTime(): RowOrder | undefined {
    const type = this.types.get(this.eventTimeColumn);
    const column = this.eventTimeColumn;
    return type && ((a, b) => compareCells(type, a[column], b[column]));
  }

  /** Snapshot/ChangelogStream/UpsertStream order: primary key ascending (nulls first), then op, so -C precedes its +C. */
  byKeyThenOp(primaryKey: readonly string[]): RowOrder {
    const keyTypes = primaryKey.map((column) => [column, this.types.get(column)!] as const);
    return (a, b) => {
      for (const [column, type] of keyTypes) {
        const order = compareCells(type, a[column], b[column]);
        if (order !== 0) return order;
      }
      return (a[this.opColumn] as number) - (b[this.opColumn] as number);
    };
  }
}

/** Sorts in place, stably (Array.prototype.sort is stable), and returns the rows. */
export function sortRows(rows: Row[], order: RowOrder | undefined): Row[] {
  return order ? rows.sort(order) : rows;
}
