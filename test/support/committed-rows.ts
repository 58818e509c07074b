import type { Row } from '../../lib/data/row';
import { committedLayout } from '../../lib/datasets/dataset-layout';
import { decodeStoredData } from '../../lib/ingest/slice-encoding';
import type { Store } from '../../lib/store/open-store';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';

/** Every committed row of a dataset with its data columns decoded, in offset order. */
export async function committedRows(store: Store, name: string): Promise<(Row & { offset: bigint; op: number })[]> {
  const ds = (await store.datasets.find(defaultWorkspaceKey(name)))!;
  const layout = committedLayout(ds);
  if (!layout) return [];
  const rows = await store.datasets.tail(ds.num, 1_000_000);
  return rows.map((r) => ({ offset: r.offset, op: r.op, ...decodeStoredData(r.data, layout) }));
}
