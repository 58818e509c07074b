/** Prints rows as aligned columns (plain text, so it pipes into grep/awk). */
export function printTable(header: string[], rows: string[][]): void {
  // Column names too: a dataset's may come from the keys of a device's JSON.
  const names = header.map(visible);
  const cells = rows.map((r) => r.map(visible));
  const widths = names.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  console.log(line(names));
  for (const r of cells) console.log(line(r));
}

/** C0 controls, DEL and C1 controls (8-bit CSI among them). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A cell with its control characters written as escapes: cells hold what devices sent (`tail`),
 * and a terminal would act on an escape sequence or break the table at a newline.
 */
export function visible(cell: string): string {
  return cell.replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
