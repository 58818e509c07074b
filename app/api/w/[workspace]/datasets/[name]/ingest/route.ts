import { z } from 'zod';
import { FailedAuthLimiter } from '@/lib/device-endpoint/failed-auth-limiter';
import { pushOverHttp } from '@/lib/devices/push-over-http';
import { SluiceError } from '@/lib/errors';
import { readEnv } from '@/lib/config/env';
import { parseInput } from '@/lib/server/action-input';
import { guardRoute } from '@/lib/server/route-guard';
import { getStore } from '@/lib/server/store';

export const dynamic = 'force-dynamic';

/** Failed device authentications of this server process, per client address. */
const limiter = new FailedAuthLimiter();
const DEFAULT_MAX_BYTES = 256 * 1024;

const IngestQuery = z.object({ topic: z.string().min(1).max(1024).optional() });

/**
 * HTTP push as Kamu's `/ingest`: a device credential as `Authorization: Bearer <username>:<secret>`,
 * one message in the push source's read format as the body, `?topic=` optionally (default the
 * dataset's name). 200 only once the message is in the dataset's inbox; coded JSON errors otherwise.
 * No console session is involved: device credentials never reach the console, and members'
 * sessions never push.
 */
export async function POST(req: Request, ctx: { params: Promise<{ workspace: string; name: string }> }) {
  return guardRoute(async () => {
    const p = await ctx.params;
    const { topic } = parseInput(IngestQuery, Object.fromEntries(new URL(req.url).searchParams));
    const maxBytes = readEnv().SLUICE_DEVICE_MAX_PACKET ?? DEFAULT_MAX_BYTES;
    const result = await pushOverHttp({
      store: await getStore(),
      limiter,
      address: req.headers.get('x-sluice-client-ip') ?? 'unknown',
      workspaceSlug: p.workspace,
      datasetName: p.name,
      authorization: req.headers.get('authorization'),
      topic,
      body: await readCapped(req, maxBytes),
      maxBytes,
    });
    return Response.json(result, { headers: { 'cache-control': 'no-store' } });
  });
}

/** The request body, refused from the first byte past `max` (a huge body is never buffered). */
async function readCapped(req: Request, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = req.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) return Buffer.concat(chunks);
    size += next.value.length;
    if (size > max) {
      await reader!.cancel();
      throw new SluiceError('PAYLOAD_TOO_LARGE', `the body exceeds the limit of ${max} bytes`);
    }
    chunks.push(Buffer.from(next.value));
  }
}
