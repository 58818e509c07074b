'use client';

import { Ban, KeyRound } from 'lucide-react';
import { useState } from 'react';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Card, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { Input, Label } from '@/app/_components/ui/input';
import { Table, Td, Th } from '@/app/_components/ui/table';
import { useAction } from '@/app/_components/use-action';
import { createDevice, revokeDevice } from './actions';

interface DeviceRow {
  id: string;
  name: string;
  username: string;
  filters: string;
  status: 'active' | 'revoked' | 'expired';
  expires: string;
  lastConnected: string;
  messages: number;
  refusals: number;
  lastRefusal: string | null;
}

export function DevicesTable({ workspace, devices }: { workspace: string; devices: DeviceRow[] }) {
  const { pending, error, run } = useAction();
  if (devices.length === 0) return <p className="text-sm text-muted-foreground">No device credentials yet.</p>;
  return (
    <div className="flex flex-col gap-1">
      <Table data-testid="devices-table">
        <thead>
          <tr>
            <Th>Name</Th>
            <Th>Username</Th>
            <Th>May publish to</Th>
            <Th>Status</Th>
            <Th>Expires</Th>
            <Th>Last connection</Th>
            <Th>Messages</Th>
            <Th>Refusals</Th>
            <Th />
          </tr>
        </thead>
        <tbody>
          {devices.map((d) => (
            <tr key={d.id} data-testid={`device-${d.name}`}>
              <Td>{d.name}</Td>
              <Td>
                <code className="font-mono">{d.username}</code>
              </Td>
              <Td>{d.filters}</Td>
              <Td>
                <Badge tone={d.status === 'active' ? 'success' : 'danger'}>{d.status}</Badge>
              </Td>
              <Td>{d.expires}</Td>
              <Td>{d.lastConnected}</Td>
              <Td>{d.messages}</Td>
              <Td title={d.lastRefusal ?? undefined}>
                {d.refusals}
                {d.lastRefusal ? <span className="block text-xs text-muted-foreground">{d.lastRefusal}</span> : null}
              </Td>
              <Td>
                {d.status === 'active' ? (
                  <Button variant="ghost" size="sm" disabled={pending} aria-label={`Revoke ${d.name}`} onClick={() => run(() => revokeDevice({ workspace, id: d.id }))}>
                    <Ban /> Revoke
                  </Button>
                ) : null}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
      {error ? <p className="text-sm text-destructive" role="alert">{error}</p> : null}
    </div>
  );
}

export function NewDeviceForm({ workspace }: { workspace: string }) {
  const { pending, error, run } = useAction();
  const [created, setCreated] = useState<{ username: string; secret: string } | null>(null);
  return (
    <Card>
      <CardHeader>
        <CardTitle>New device credential</CardTitle>
      </CardHeader>
      <form
        className="flex flex-wrap items-end gap-2 p-3"
        action={(form) =>
          run(
            () =>
              createDevice({
                workspace,
                name: String(form.get('name')),
                allowedFilters: String(form.get('filters') ?? '')
                  .split(',')
                  .map((f) => f.trim())
                  .filter(Boolean),
                expiresAt: form.get('expires') ? String(form.get('expires')) : null,
              }),
            setCreated,
          )
        }
      >
        <Label>
          Name
          <Input name="name" required className="w-48" />
        </Label>
        <Label>
          Allowed topic filters (comma-separated; empty: any push dataset)
          <Input name="filters" className="w-72" placeholder="sensors/+/temperature" />
        </Label>
        <Label>
          Expires (optional)
          <Input name="expires" type="datetime-local" />
        </Label>
        <Button type="submit" disabled={pending}>
          <KeyRound /> Create
        </Button>
        {error ? <p className="basis-full text-sm text-destructive" role="alert">{error}</p> : null}
        {created ? (
          <div className="basis-full text-xs" data-testid="device-secret">
            <p>
              Username <code className="font-mono">{created.username}</code>, secret <code className="font-mono">{created.secret}</code>
            </p>
            <p className="text-muted-foreground">
              Copy the secret now: it is stored hashed and cannot be shown again. MQTT: username and secret as password. HTTP: <code>Authorization: Bearer {created.username}:{created.secret}</code>.
            </p>
          </div>
        ) : null}
      </form>
    </Card>
  );
}
