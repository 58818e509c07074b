'use client';

import { useVirtualizer } from '@tanstack/react-virtual';
import type { DataType, Table, Vector } from 'apache-arrow';
import { ArrowDown, ArrowUp, Check, Copy } from 'lucide-react';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { Button } from '@/app/_components/ui/button';
import { cn } from '@/app/_components/ui/cn';
import { cellFormatter, NULL_MARK, readCell, type CellFormatter, type SortDirection } from '@/lib/query/format-cell';
import { columnSortKeys, sortRowOrder, type SortKeys } from '@/lib/query/sort-rows';
import { columnKind } from '@/lib/query/chart-suggestion';

const ROW_HEIGHT = 26;
const HEADER_HEIGHT = 30;
const MIN_WIDTH = 60;
/** A cell draws at most this much of its text (a JSON blob can be megabytes); copying takes all of it. */
const MAX_CELL_CHARS = 1_000;
const MOVES: Record<string, [rows: number, cols: number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

interface Column {
  name: string;
  type: string;
  vector: Vector;
  format: CellFormatter;
  numeric: boolean;
}
type Sort = { col: number; dir: SortDirection } | null;
/** `row` is a position in the rows as displayed (sorted or not), not in the result. */
type CellRef = { row: number; col: number };

/**
 * A query result of any size: rows are virtualised and each visible cell is read from the Arrow
 * table as it is drawn, so no row is ever copied into JS objects. Sortable (click a header:
 * ascending, descending, result order), resizable columns, and a selected cell to copy.
 */
export function ResultGrid({ table }: { table: Table }) {
  // A new result starts afresh: result order, default widths, nothing selected.
  const [shown, setShown] = useState({ table, key: 0 });
  if (shown.table !== table) setShown({ table, key: shown.key + 1 });
  return <Grid key={shown.key} table={shown.table} />;
}

function Grid({ table }: { table: Table }) {
  const columns = useMemo<Column[]>(
    () => table.schema.fields.map((f, i) => ({ name: f.name, type: String(f.type), vector: table.getChildAt(i)!, format: cellFormatter(f.type), numeric: isNumber(f.type) })),
    [table],
  );
  const [widths, setWidths] = useState(() => table.schema.fields.map((f) => defaultWidth(f.type, f.name)));
  const [requested, setRequested] = useState<Sort>(null);
  const [sorted, setSorted] = useState<{ sort: Sort; order: Uint32Array | null }>({ sort: null, order: null });
  const [selected, setSelected] = useState<CellRef | null>(null);
  const [copied, setCopied] = useState<'copied' | 'copy failed' | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const keysByColumn = useRef(new Map<number, SortKeys>());
  const sortRun = useRef(0);
  const copiedTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(
    () => () => {
      sortRun.current++; // a sort still waiting to run is dropped
      clearTimeout(copiedTimer.current);
    },
    [],
  );

  const virtualizer = useVirtualizer({
    count: table.numRows,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    // Rows start below the sticky header, and scrolling a row into view keeps it out from under it.
    paddingStart: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
  });

  const rowAt = (displayed: number) => (sorted.order ? sorted.order[displayed] : displayed);
  const selectedText = selected ? columns[selected.col].format(readCell(columns[selected.col].vector, rowAt(selected.row))) : '';
  const template = widths.map((w) => `${w}px`).join(' ');
  const totalWidth = widths.reduce((a, b) => a + b, 0);

  const requestSort = (col: number) => {
    const next: Sort = requested?.col !== col ? { col, dir: 'asc' } : requested.dir === 'asc' ? { col, dir: 'desc' } : null;
    const run = ++sortRun.current;
    setRequested(next);
    setSelected(null);
    if (!next) {
      setSorted({ sort: null, order: null });
      return;
    }
    // Sorting a million rows takes about a second: let "sorting…" paint first (a frame, then a task after it).
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (run !== sortRun.current) return; // superseded by a later click
        let keys = keysByColumn.current.get(next.col);
        if (!keys) keysByColumn.current.set(next.col, (keys = columnSortKeys(columns[next.col].vector)));
        setSorted({ sort: next, order: sortRowOrder(keys, next.dir) });
      }),
    );
  };

  const copy = (text: string) => {
    const flash = (state: 'copied' | 'copy failed') => {
      setCopied(state);
      clearTimeout(copiedTimer.current);
      copiedTimer.current = setTimeout(() => setCopied(null), 1500);
    };
    // The Clipboard API is missing outside secure contexts; that throws, which the promise turns into "copy failed".
    Promise.resolve()
      .then(() => navigator.clipboard.writeText(text))
      .then(() => flash('copied'), () => flash('copy failed'));
  };

  const reveal = ({ row, col }: CellRef) => {
    virtualizer.scrollToIndex(row);
    const el = scroller.current;
    if (!el) return;
    const left = widths.slice(0, col).reduce((a, b) => a + b, 0);
    if (left < el.scrollLeft) el.scrollLeft = left;
    else if (left + widths[col] > el.scrollLeft + el.clientWidth) el.scrollLeft = left + widths[col] - el.clientWidth;
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (!selected) return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'c') {
      if (window.getSelection()?.toString()) return; // text selected with the mouse: the browser copies that
      e.preventDefault();
      copy(selectedText);
      return;
    }
    const move = MOVES[e.key];
    if (!move) return;
    e.preventDefault();
    const next = { row: clamp(selected.row + move[0], table.numRows - 1), col: clamp(selected.col + move[1], columns.length - 1) };
    setSelected(next);
    reveal(next);
  };

  const sortName = (s: Sort) => (s ? `${columns[s.col].name}, ${s.dir === 'asc' ? 'ascending' : 'descending'}` : '');
  const sorting = requested !== sorted.sort;

  return (
    <div data-testid="query-result" className="flex flex-col overflow-hidden rounded-md border text-xs" onKeyDown={onKeyDown}>
      <div
        ref={scroller}
        role="grid"
        aria-rowcount={table.numRows + 1}
        aria-colcount={columns.length}
        aria-busy={sorting}
        tabIndex={0}
        className="max-h-[28rem] overflow-auto focus-visible:-outline-offset-2"
      >
        <div className="relative min-w-full" style={{ height: virtualizer.getTotalSize(), width: totalWidth }}>
          <div role="row" className="sticky top-0 z-10 grid border-b bg-muted" style={{ gridTemplateColumns: template, height: HEADER_HEIGHT }}>
            {columns.map((c, col) => {
              const dir = sorted.sort?.col === col ? sorted.sort.dir : undefined;
              return (
                <div
                  key={col}
                  role="columnheader"
                  aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
                  data-testid="result-header"
                  data-column={c.name}
                  data-sort={dir}
                  className="relative flex min-w-0 border-r"
                >
                  <button
                    type="button"
                    title={`${c.name}: ${c.type}. Click to sort.`}
                    className={cn('flex min-w-0 flex-1 items-center gap-1 px-2 font-medium text-muted-foreground hover:bg-accent', c.numeric && 'justify-end')}
                    onClick={() => requestSort(col)}
                  >
                    <span className="truncate">{c.name}</span>
                    {dir === 'asc' ? <ArrowUp className="size-3 shrink-0" aria-hidden /> : dir === 'desc' ? <ArrowDown className="size-3 shrink-0" aria-hidden /> : null}
                  </button>
                  <ResizeHandle width={widths[col]} onResize={(w) => setWidths((ws) => ws.map((x, i) => (i === col ? w : x)))} />
                </div>
              );
            })}
          </div>
          {table.numRows === 0 ? <p className="px-2 py-3 text-muted-foreground">No rows</p> : null}
          {virtualizer.getVirtualItems().map((item) => {
            const row = rowAt(item.index);
            return (
              <div
                key={item.key}
                role="row"
                aria-rowindex={item.index + 2}
                className="absolute top-0 left-0 grid w-full border-b hover:bg-muted/40"
                style={{ gridTemplateColumns: template, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
              >
                {columns.map((c, col) => {
                  const value = readCell(c.vector, row);
                  const text = value === null || value === undefined ? null : c.format(value);
                  const isSelected = selected?.row === item.index && selected.col === col;
                  return (
                    <div
                      key={col}
                      role="gridcell"
                      aria-selected={isSelected}
                      data-testid="result-cell"
                      data-row={item.index}
                      data-column={c.name}
                      title={text === null ? undefined : text.slice(0, MAX_CELL_CHARS)}
                      onClick={() => setSelected({ row: item.index, col })}
                      className={cn(
                        'cursor-default truncate border-r px-2 font-mono leading-[25px]',
                        c.numeric && 'text-right',
                        isSelected && 'bg-primary/10 outline-2 -outline-offset-2 outline-primary',
                      )}
                    >
                      {text === null ? <span className="text-muted-foreground/60">{NULL_MARK}</span> : text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS)}…` : text}
                    </div>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
      <div data-testid="result-footer" className="flex min-h-8 items-center gap-3 border-t bg-muted/40 px-2 text-muted-foreground">
        <span>{table.numRows.toLocaleString('en-US')} {table.numRows === 1 ? 'row' : 'rows'}</span>
        <span>{sorting ? `sorting by ${sortName(requested)}…` : sorted.sort ? `sorted by ${sortName(sorted.sort)}` : 'in result order'}</span>
        {selected ? (
          <>
            <span data-testid="result-selection" className="ml-auto min-w-0 truncate font-mono text-foreground" title={selectedText.slice(0, MAX_CELL_CHARS)}>
              <span className="text-muted-foreground">{columns[selected.col].name} · row {(selected.row + 1).toLocaleString('en-US')}: </span>
              {selectedText.slice(0, 200)}
            </span>
            <Button data-testid="result-copy" size="sm" variant="ghost" title="Copy the cell (Ctrl/Cmd+C)" onClick={() => copy(selectedText)}>
              {copied === 'copied' ? <Check /> : <Copy />} {copied ?? 'Copy'}
            </Button>
          </>
        ) : (
          <span className="ml-auto">click a cell to select it, Ctrl/Cmd+C copies it</span>
        )}
      </div>
    </div>
  );
}

/** Drags a column's right edge; the pointer is captured, so the drag goes on outside the header. */
function ResizeHandle({ width, onResize }: { width: number; onResize: (width: number) => void }) {
  const drag = useRef<{ x: number; width: number } | null>(null);
  return (
    <div
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize column"
      className="absolute inset-y-0 right-0 z-10 w-1.5 cursor-col-resize touch-none hover:bg-primary/40"
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        drag.current = { x: e.clientX, width };
      }}
      onPointerMove={(e) => {
        if (drag.current) onResize(Math.max(MIN_WIDTH, Math.round(drag.current.width + e.clientX - drag.current.x)));
      }}
      onLostPointerCapture={() => {
        drag.current = null;
      }}
    />
  );
}

const isNumber = (type: DataType) => columnKind(type) === 'number';

function defaultWidth(type: DataType, name: string): number {
  // At least wide enough for the name (about 7 px a character at text-xs) and a sort arrow.
  return Math.max(isNumber(type) ? 110 : 200, Math.min(320, name.length * 7 + 40));
}

function clamp(n: number, max: number): number {
  return Math.max(0, Math.min(max, n));
}
