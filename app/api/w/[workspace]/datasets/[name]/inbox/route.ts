import { inboxEventStream } from '@/lib/devices/inbox-event-stream';
import { inboxFollower } from '@/lib/devices/inbox-preview';
import { getAuth } from '@/lib/server/auth';
import { requireDataset } from '@/lib/server/guard';
import { guardRoute } from '@/lib/server/route-guard';
import { getStore } from '@/lib/server/store';

export const dynamic = 'force-dynamic';

/**
 * Server-sent events for a push dataset's live preview: its device messages as they commit to the
 * inbox, and the backlog waiting to be folded. Members who may read the dataset only, checked
 * again while the stream lasts; a bounded number per account; no event says which device
 * credential sent a message.
 */
export async function GET(req: Request, ctx: { params: Promise<{ workspace: string; name: string }> }) {
  return guardRoute(async () => {
    const p = await ctx.params;
    const { dataset, viewer, workspace } = await requireDataset(p.workspace, p.name, { dataset: 'read' });
    const auth = await getAuth();
    const sessionAccount = async () => (await auth.api.getSession({ headers: req.headers }))?.user.id;
    const follow = await inboxFollower(await getStore(), dataset, { userId: viewer.id, workspaceSlug: workspace.slug, sessionAccount });
    const stream = inboxEventStream(follow, viewer.id, req.signal);
    return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' } });
  });
}
