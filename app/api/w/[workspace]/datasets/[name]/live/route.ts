import { getDatasetLive } from '@/lib/datasets/dataset-live';
import { requireDataset } from '@/lib/server/guard';
import { guardRoute } from '@/lib/server/route-guard';
import { getStore } from '@/lib/server/store';

export const dynamic = 'force-dynamic';

/** The dataset's stream as its page shows it (always on, running since, rows, last commit), for members who may read it. */
export async function GET(_req: Request, ctx: { params: Promise<{ workspace: string; name: string }> }) {
  return guardRoute(async () => {
    const p = await ctx.params;
    const { dataset } = await requireDataset(p.workspace, p.name, { dataset: 'read' });
    return Response.json(await getDatasetLive(await getStore(), dataset), { headers: { 'cache-control': 'private, no-store' } });
  });
}
