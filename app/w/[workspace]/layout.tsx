import Link from 'next/link';
import type { ReactNode } from 'react';
import { can } from '@/lib/auth/roles';
import { requireWorkspace } from '@/lib/server/guard';
import { guardPage } from '@/lib/server/page-guard';
import { getStore } from '@/lib/server/store';
import { workspacePath } from '../../_components/paths';
import { Badge } from '../../_components/ui/badge';
import { ScrollArea } from '../../_components/ui/scroll-area';
import { WorkspaceSwitcher } from './workspace-switcher';

export const dynamic = 'force-dynamic';

/** Every page of a workspace is behind the guard: members only. */
export default async function WorkspaceLayout({ children, params }: { children: ReactNode; params: Promise<{ workspace: string }> }) {
  const slug = (await params).workspace;
  const access = await guardPage(() => requireWorkspace(slug, { dataset: 'read' }));
  const workspaces = await (await getStore()).workspaces.listForUser(access.viewer.id);
  const base = workspacePath(access.workspace.slug);
  return (
    <div className="flex flex-col gap-4">
      {/* Two lines at most on a phone: the workspace, then the links in one row that scrolls
          sideways (with shadowed edges) rather than wrapping. */}
      <nav className="flex flex-col gap-2 border-b pb-2 text-sm sm:flex-row sm:items-center sm:gap-4" aria-label="Workspace">
        <div className="flex items-center gap-2">
          <WorkspaceSwitcher current={access.workspace.slug} workspaces={workspaces.map((w) => ({ slug: w.slug, name: w.name }))} />
          <Badge data-testid="my-role">{access.role}</Badge>
        </div>
        <ScrollArea className="min-w-0">
          <div className="flex items-center gap-4 whitespace-nowrap py-1">
            <Link href={base} className="text-muted-foreground hover:text-foreground">
              Datasets
            </Link>
            {can(access.role, { dataset: 'create' }) ? (
              <Link href={`${base}/datasets/new`} className="text-muted-foreground hover:text-foreground">
                New dataset
              </Link>
            ) : null}
            {/* A full page load, not client navigation: the query page's cross-origin isolation headers
                apply only to a document loaded with them. */}
            <a href={`${base}/query`} className="text-muted-foreground hover:text-foreground">
              Query
            </a>
            <Link href={`${base}/members`} className="text-muted-foreground hover:text-foreground">
              Members
            </Link>
            <Link href={`${base}/activity`} className="text-muted-foreground hover:text-foreground">
              Activity
            </Link>
            {can(access.role, { device: 'manage' }) ? (
              <Link href={`${base}/devices`} className="text-muted-foreground hover:text-foreground">
                Devices
              </Link>
            ) : null}
            {can(access.role, { secret: 'manage' }) ? (
              <Link href={`${base}/settings`} className="text-muted-foreground hover:text-foreground">
                Settings
              </Link>
            ) : null}
          </div>
        </ScrollArea>
      </nav>
      {children}
    </div>
  );
}
