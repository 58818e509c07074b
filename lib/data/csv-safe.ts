/**
 * Spreadsheet-safe CSV cells (OWASP "CSV injection"): a spreadsheet opening a CSV file runs a cell that
 * starts with `=`, `+`, `-` or `@` as a formula, so device-supplied text like `=HYPERLINK("http://x")` would
 * become a live formula in the reader's spreadsheet; OWASP lists a leading tab and carriage return too. Its
 * remedy, applied here: prefix such a cell with a single quote, which the spreadsheet shows as text. Only TEXT cells are changed: which cells are text is the caller's decision, by the column's
 * type, so a negative number in a numeric column stays a number.
 *
 * The console's downloads use it (a dataset's CSV through `exportDataset`, a query result's CSV written by
 * DuckDB-WASM); `sluice export` does not, so pipelines get the values byte for byte. CSV quoting is the
 * writer's job and is unaffected: the prefixed text is quoted like any other.
 */

/** The characters that make a spreadsheet read a text cell as a formula when it starts with one. */
export const FORMULA_TRIGGERS: readonly string[] = ['=', '+', '-', '@', '\t', '\r'];

/** `text`, with `'` in front when it starts with a formula trigger. */
export function spreadsheetSafeText(text: string): string {
  return FORMULA_TRIGGERS.includes(text.charAt(0)) ? `'${text}` : text;
}

/**
 * The same rule as a DuckDB SQL expression over the VARCHAR expression `sql` (NULL stays NULL), for CSV that
 * DuckDB writes itself. Triggers are written as `chr(n)` so that no character needs quoting in SQL.
 */
export function spreadsheetSafeSql(sql: string): string {
  const triggers = FORMULA_TRIGGERS.map((c) => `chr(${c.charCodeAt(0)})`).join(', ');
  return `CASE WHEN left(${sql}, 1) IN (${triggers}) THEN '''' || ${sql} ELSE ${sql} END`;
}
