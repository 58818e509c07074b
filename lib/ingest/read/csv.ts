import { parse } from 'csv-parse/sync';
import { atRecord, PayloadError } from './payload-error';

/** ReadStep `Csv` options (Kamu names and defaults). */
export interface CsvReadOptions {
  /** Field separator, one ASCII character; default ",". */
  separator?: string;
  /** Quote character, one ASCII character; default `"`. */
  quote?: string;
  /**
   * Escape character inside quoted fields. Absent: quotes are escaped by doubling them (RFC 4180),
   * which is what Kamu's reader does when `escape` is not set.
   */
  escape?: string;
  /** First row names the columns (matched to schema fields by name); default false (by position). */
  header?: boolean;
  /** A field whose text equals this is null; default "" (empty field). */
  nullValue?: string;
  /** Ignored: Sluice always reads with the declared schema. */
  inferSchema?: boolean;
  encoding?: string;
  dateFormat?: string;
  timestampFormat?: string;
}

export type CsvRecord = Record<string, string | null>;

function parseCsv(text: string, options: CsvReadOptions): string[][] {
  try {
    return parse(text, {
      delimiter: options.separator || ',',
      quote: options.quote || '"',
      escape: options.escape || options.quote || '"',
      // Our own column-count checks give better reasons than csv-parse's.
      relax_column_count: true,
      skip_empty_lines: true,
      // Accept any line ending per line: autodetection would fix the first one it meets.
      record_delimiter: ['\r\n', '\n', '\r'],
    });
  } catch (err) {
    throw new PayloadError(`invalid CSV: ${(err as Error).message}`);
  }
}

/**
 * Records of a Csv payload as column name → text (null for `nullValue`). With `header` the first
 * row names the columns; without it column i is schema field i, and a row may omit trailing fields
 * (they count as absent) but not carry more columns than the schema has.
 */
export function readCsvRecords(text: string, options: CsvReadOptions, fieldNames: readonly string[]): CsvRecord[] {
  const lines = parseCsv(text, options);
  const nullValue = options.nullValue ?? '';
  const names = options.header ? (lines.shift() ?? []) : fieldNames;
  const namesAre = options.header ? 'the header has' : 'the schema has';

  return lines.map((cells, index) => {
    if (cells.length > names.length) {
      throw new PayloadError(
        atRecord(index, lines.length, `has ${cells.length} columns, but ${namesAre} ${names.length}`),
      );
    }
    const record: CsvRecord = {};
    cells.forEach((cell, i) => {
      record[names[i]] = cell === nullValue ? null : cell;
    });
    return record;
  });
}
