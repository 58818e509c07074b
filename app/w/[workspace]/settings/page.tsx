import type { Metadata } from 'next';
import { formatTime } from '@/app/_components/format';
import { SecretsEditor } from '@/app/_components/secrets-editor';
import { Card, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { requireWorkspace } from '@/lib/server/guard';
import { guardPage } from '@/lib/server/page-guard';
import { getStore } from '@/lib/server/store';

export const metadata: Metadata = { title: 'Workspace settings' };

export default async function WorkspaceSettingsPage({ params }: { params: Promise<{ workspace: string }> }) {
  const slug = (await params).workspace;
  const access = await guardPage(() => requireWorkspace(slug, { secret: 'manage' }));
  const secrets = await (await getStore()).secrets.list(access.workspace.id);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Workspace secrets</CardTitle>
      </CardHeader>
      <div className="p-3">
        <SecretsEditor workspace={slug} secrets={secrets.map((s) => ({ ...s, updatedAt: formatTime(s.updatedAt.toISOString()) }))} />
      </div>
    </Card>
  );
}
