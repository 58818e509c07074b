import type { Metadata } from 'next';
import { formatTime } from '@/app/_components/format';
import { credentialRefusal } from '@/lib/devices/device-credential';
import { requireWorkspace } from '@/lib/server/guard';
import { guardPage } from '@/lib/server/page-guard';
import { getStore } from '@/lib/server/store';
import { DevicesTable, NewDeviceForm } from './devices-ui';

export const metadata: Metadata = { title: 'Devices' };

const when = (d: Date | null) => (d ? formatTime(d.toISOString()) : '—');

/** Device credentials of the workspace: maintainers create and revoke them and see how each is used. */
export default async function DevicesPage({ params }: { params: Promise<{ workspace: string }> }) {
  const slug = (await params).workspace;
  const access = await guardPage(() => requireWorkspace(slug, { device: 'manage' }));
  const devices = await (await getStore()).devices.list(access.workspace.id);
  const now = new Date();
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-lg font-semibold">Devices of {access.workspace.name}</h1>
      <p className="text-xs text-muted-foreground">
        Devices publish to the workspace&apos;s push datasets through Sluice&apos;s device endpoint (MQTT, publish-only) or over HTTP; each message is stored before it is
        acknowledged.
      </p>
      <DevicesTable
        workspace={slug}
        devices={devices.map((d) => ({
          id: d.id,
          name: d.name,
          username: d.username,
          filters: d.allowedFilters.length ? d.allowedFilters.join(', ') : 'any push dataset',
          status: credentialRefusal(d, now) ?? 'active',
          expires: when(d.expiresAt),
          lastConnected: d.lastConnectedAt ? `${when(d.lastConnectedAt)} from ${d.lastAddress ?? '?'}` : 'never',
          messages: d.messages,
          refusals: d.refusals,
          lastRefusal: d.lastRefusal,
        }))}
      />
      <NewDeviceForm workspace={slug} />
    </div>
  );
}
