import { datasetSliceIndex } from '@/lib/query/dataset-arrow';
import { requireDataset } from '@/lib/server/guard';
import { guardRoute } from '@/lib/server/route-guard';
import { getStore } from '@/lib/server/store';

export const dynamic = 'force-dynamic';

/** The dataset's slices (offset ranges and hashes) and Arrow layout, for members who may read it. */
export async function GET(_req: Request, ctx: { params: Promise<{ workspace: string; name: string }> }) {
  return guardRoute(async () => {
    const p = await ctx.params;
    const { ref } = await requireDataset(decodeURIComponent(p.workspace), decodeURIComponent(p.name), { dataset: 'read' });
    return Response.json(await datasetSliceIndex(await getStore(), ref), { headers: { 'cache-control': 'private, no-store' } });
  });
}
