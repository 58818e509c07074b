import { z } from 'zod';
import { datasetSliceIndex } from '@/lib/query/dataset-arrow';
import { parseInput } from '@/lib/server/action-input';
import { requireDataset } from '@/lib/server/guard';
import { guardRoute } from '@/lib/server/route-guard';
import { getStore } from '@/lib/server/store';

export const dynamic = 'force-dynamic';

const IndexQuery = z.object({ after: z.string().regex(/^\d{1,18}$/, 'after is an offset').transform(BigInt).optional() });

/**
 * The dataset's slices (offset ranges and hashes) and Arrow layout, for members who may read it;
 * `?after=<offset>` lists only the slices starting after it (what a page that holds the rest lacks).
 */
export async function GET(req: Request, ctx: { params: Promise<{ workspace: string; name: string }> }) {
  return guardRoute(async () => {
    const p = await ctx.params;
    const { dataset } = await requireDataset(p.workspace, p.name, { dataset: 'read' });
    const { after } = parseInput(IndexQuery, Object.fromEntries(new URL(req.url).searchParams));
    return Response.json(await datasetSliceIndex(await getStore(), dataset, after), { headers: { 'cache-control': 'private, no-store' } });
  });
}
