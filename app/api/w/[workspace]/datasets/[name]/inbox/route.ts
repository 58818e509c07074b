import { inboxFollower, type InboxPreviewEvent } from '@/lib/devices/inbox-preview';
import { requireDataset } from '@/lib/server/guard';
import { guardRoute } from '@/lib/server/route-guard';
import { getStore } from '@/lib/server/store';

export const dynamic = 'force-dynamic';

/** Events queued for a reader that does not keep up, past which its stream ends (EventSource reconnects and starts from the latest). */
const MAX_QUEUED_EVENTS = 64;

/**
 * Server-sent events for a push dataset's live preview: its device messages as they commit to the
 * inbox, and the backlog waiting to be folded. Members who may read the dataset only; no event
 * says which device credential sent a message.
 */
export async function GET(req: Request, ctx: { params: Promise<{ workspace: string; name: string }> }) {
  return guardRoute(async () => {
    const p = await ctx.params;
    const { dataset, viewer, workspace } = await requireDataset(decodeURIComponent(p.workspace), decodeURIComponent(p.name), { dataset: 'read' });
    // The reader's access is checked again while the stream lasts (inbox-preview.ts).
    const follow = await inboxFollower(await getStore(), dataset, { userId: viewer.id, workspaceSlug: workspace.slug });
    const encoder = new TextEncoder();
    let stop = () => {};
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const end = () => {
          stop();
          try {
            controller.close();
          } catch {
            // already closed
          }
        };
        const send = (e: InboxPreviewEvent) => {
          if ((controller.desiredSize ?? 0) < -MAX_QUEUED_EVENTS) return end();
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(e)}\n\n`));
        };
        stop = await follow(send, end);
        req.signal.addEventListener('abort', end);
      },
      cancel() {
        stop();
      },
    });
    return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' } });
  });
}
