import { Writable } from 'node:stream';
import { exportDataset } from '../../lib/datasets/export-dataset';
import type { Store } from '../../lib/store/open-store';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';

/** One line of `exportDataset(…, 'ndjson')`: system columns (offset, op, system_time, event_time), then data columns. */
export type ExportedRow = { offset: number; op: number; system_time: string; event_time: string } & Record<string, unknown>;

/** A dataset's committed rows exactly as its canonical NDJSON export writes them, in offset order. */
export async function exportedRows(store: Store, name: string): Promise<ExportedRow[]> {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  await exportDataset(store, defaultWorkspaceKey(name), 'ndjson', sink);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ExportedRow);
}

/** The rows without `system_time`, which differs per commit (check it separately). */
export function withoutSystemTime(rows: ExportedRow[]): Record<string, unknown>[] {
  return rows.map(({ system_time: _s, ...rest }) => rest);
}

/** The `AddData` events of a dataset's chain, in order. */
export async function addDataEvents(store: Store, name: string) {
  const ds = (await store.datasets.find(defaultWorkspaceKey(name)))!;
  const blocks = await store.datasets.blocks(ds.id);
  return blocks
    .filter((b) => b.event.kind === 'AddData')
    .map((b) => ({
      systemTime: b.systemTime,
      event: b.event as {
        kind: 'AddData';
        prevOffset?: number;
        newData?: { offsetInterval: { start: number; end: number } };
        newWatermark?: string;
      },
    }));
}
