import { getPullRun, watchPullRun, type PullRunState } from '@/lib/server/pull-runner';

export const dynamic = 'force-dynamic';

/** Server-sent events: the run's state now and on every change, until it ends. */
export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }) {
  const { id } = await ctx.params;
  const initial = getPullRun(id);
  if (!initial) return Response.json({ code: 'NOT_FOUND', message: 'no such pull run (it ended more than 10 minutes ago, or on another server)' }, { status: 404 });
  const encoder = new TextEncoder();
  let stop = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (s: PullRunState) => {
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(s)}\n\n`));
        if (s.endedAt) {
          stop();
          controller.close();
        }
      };
      stop = watchPullRun(id, send);
      send(getPullRun(id) ?? initial);
    },
    cancel() {
      stop();
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' } });
}
