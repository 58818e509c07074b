import { SluiceError } from '@/lib/errors';
import { requireDataset, requireViewer } from '@/lib/server/guard';
import { getPullRun, watchPullRun, type PullRunState } from '@/lib/server/pull-runner';
import { guardRoute } from '@/lib/server/route-guard';

export const dynamic = 'force-dynamic';

/** Server-sent events: the run's state now and on every change, until it ends. Readers of the dataset only. */
export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }) {
  return guardRoute(async () => {
    await requireViewer();
    const { id } = await ctx.params;
    const initial = getPullRun(id);
    if (!initial) throw new SluiceError('DATASET_NOT_FOUND', 'no such pull run (it ended more than 10 minutes ago, or on another server)');
    // The run's own workspace, by id: a slug since given to another workspace grants nothing.
    const access = await requireDataset(initial.workspace, initial.dataset, { dataset: 'read' });
    if (access.workspace.id !== initial.workspaceId) throw new SluiceError('DATASET_NOT_FOUND', 'no such pull run');
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
  });
}
