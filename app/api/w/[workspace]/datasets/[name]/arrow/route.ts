import { getDatasetOrThrow } from '@/lib/datasets/dataset-layout';
import { datasetToArrowIpc } from '@/lib/query/arrow-export';
import { requireDataset } from '@/lib/server/guard';
import { guardRoute } from '@/lib/server/route-guard';
import { getStore } from '@/lib/server/store';

export const dynamic = 'force-dynamic';

/**
 * The dataset's committed rows as an Arrow IPC stream, for DuckDB-WASM. Members who may read it
 * only. The chain head is the ETag: a browser revalidates and gets 304 until new data is committed.
 */
export async function GET(req: Request, ctx: { params: Promise<{ workspace: string; name: string }> }) {
  return guardRoute(async () => {
    const p = await ctx.params;
    const { ref } = await requireDataset(decodeURIComponent(p.workspace), decodeURIComponent(p.name), { dataset: 'read' });
    const store = await getStore();
    const d = await getDatasetOrThrow((n) => store.datasets.find(n), ref);
    const etag = `"${d.headHash}"`;
    const headers = { etag, 'cache-control': 'private, no-cache', 'content-type': 'application/vnd.apache.arrow.stream' };
    if (req.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
    return new Response(Buffer.from(await datasetToArrowIpc(store, ref)), { headers });
  });
}
