import { z } from 'zod';
import { sliceRangeArrowZlib } from '@/lib/query/dataset-arrow';
import { requireDataset } from '@/lib/server/guard';
import { parseInput } from '@/lib/server/action-input';
import { guardRoute } from '@/lib/server/route-guard';
import { getStore } from '@/lib/server/store';

export const dynamic = 'force-dynamic';

const Offset = z.string().regex(/^\d{1,18}$/, 'an offset is a non-negative integer').transform(BigInt);
const RangeQuery = z.object({ id: z.string().min(1), schema: z.string().min(1), from: Offset, to: Offset });

/**
 * Committed rows with offsets in [from, to] as an Arrow IPC stream, for DuckDB-WASM; members who
 * may read the dataset only. The URL names the dataset instance (`id`) and Arrow layout (`schema`)
 * from the slice index, so what it returns never changes: browsers may cache it for good. The body
 * is the stream zlib-compressed (~5× smaller) as stored; browsers inflate it with DecompressionStream
 * ('deflate'). Not as Content-Encoding: Next.js drops that header from route handler responses.
 */
export async function GET(req: Request, ctx: { params: Promise<{ workspace: string; name: string }> }) {
  return guardRoute(async () => {
    const p = await ctx.params;
    const { dataset } = await requireDataset(p.workspace, p.name, { dataset: 'read' });
    const q = parseInput(RangeQuery, Object.fromEntries(new URL(req.url).searchParams));
    const body = await sliceRangeArrowZlib(await getStore(), dataset, { from: q.from, to: q.to }, { datasetId: q.id, schemaKey: q.schema });
    return new Response(new Uint8Array(body), { headers: { 'content-type': 'application/zlib', 'cache-control': 'private, max-age=31536000, immutable' } });
  });
}
