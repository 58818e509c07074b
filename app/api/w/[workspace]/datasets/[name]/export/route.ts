import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { z } from 'zod';
import { exportDataset, type ExportFormat } from '@/lib/datasets/export-dataset';
import { parseInput } from '@/lib/server/action-input';
import { requireDataset } from '@/lib/server/guard';
import { guardRoute } from '@/lib/server/route-guard';
import { getStore } from '@/lib/server/store';

export const dynamic = 'force-dynamic';

const Format = z.enum(['csv', 'ndjson', 'parquet']);
const TYPES: Record<ExportFormat, string> = { csv: 'text/csv', ndjson: 'application/x-ndjson', parquet: 'application/vnd.apache.parquet' };

/**
 * Downloads the whole dataset as `sluice export` writes it (CSV, NDJSON or Parquet), except that CSV text
 * cells are spreadsheet-safe. Readers and up.
 */
export async function GET(req: Request, ctx: { params: Promise<{ workspace: string; name: string }> }) {
  return guardRoute(async () => {
    const p = await ctx.params;
    const format = parseInput(Format, new URL(req.url).searchParams.get('format') ?? 'csv');
    const { name } = p;
    const { dataset } = await requireDataset(p.workspace, name, { dataset: 'read' });
    const store = await getStore();
    const headers = { 'content-type': TYPES[format], 'content-disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}.${format}"` };
    if (format === 'parquet') {
      // The Parquet writer (native DuckDB) writes a file; it is streamed, then removed.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-download-'));
      const file = path.join(dir, 'data.parquet');
      await exportDataset(store, dataset, 'parquet', file);
      const stream = fs.createReadStream(file).on('close', () => fs.rmSync(dir, { recursive: true, force: true }));
      return new Response(Readable.toWeb(stream) as ReadableStream, { headers });
    }
    const out = new PassThrough();
    // A download may be opened in a spreadsheet: text that would run as a formula is neutralised (not by the CLI).
    exportDataset(store, dataset, format, out, { spreadsheetSafe: format === 'csv' }).then(
      () => out.end(),
      (err: Error) => out.destroy(err),
    );
    return new Response(Readable.toWeb(out) as ReadableStream, { headers });
  });
}
