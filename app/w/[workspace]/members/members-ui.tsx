'use client';

import { Copy, Trash2, UserPlus } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Button } from '@/app/_components/ui/button';
import { Card, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { Input, Label, Select } from '@/app/_components/ui/input';
import { Table, Td, Th } from '@/app/_components/ui/table';
import { useAction } from '@/app/_components/use-action';
import { cancelInvitation, changeRole, inviteMember, leaveWorkspace, removeMember } from './actions';

interface MemberRow {
  id: string;
  userId: string;
  name: string;
  email: string;
  role: string;
  joined: string;
}

export function MembersTable({ workspace, members, canManage, viewerId, roles }: { workspace: string; members: MemberRow[]; canManage: boolean; viewerId: string; roles: string[] }) {
  const { pending, error, run } = useAction();
  return (
    <div className="flex flex-col gap-1">
      <Table data-testid="members-table">
        <thead>
          <tr>
            <Th>Name</Th>
            <Th>Email</Th>
            <Th>Role</Th>
            <Th>Joined</Th>
            {canManage ? <Th /> : null}
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.id} data-testid={`member-${m.email}`}>
              <Td>{m.name}</Td>
              <Td>{m.email}</Td>
              <Td>
                {canManage && m.userId !== viewerId ? (
                  <Select aria-label={`Role of ${m.email}`} value={m.role} disabled={pending} onChange={(e) => run(() => changeRole({ workspace, memberId: m.id, role: e.target.value as never }))}>
                    {roles.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </Select>
                ) : (
                  m.role
                )}
              </Td>
              <Td>{m.joined}</Td>
              {canManage ? (
                <Td>
                  {m.userId !== viewerId ? (
                    <Button variant="ghost" size="sm" disabled={pending} aria-label={`Remove ${m.email}`} onClick={() => run(() => removeMember({ workspace, memberId: m.id }))}>
                      <Trash2 /> Remove
                    </Button>
                  ) : null}
                </Td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </Table>
      {error ? <p className="text-sm text-destructive" role="alert">{error}</p> : null}
    </div>
  );
}

export function InviteForm({ workspace, roles }: { workspace: string; roles: string[] }) {
  const { pending, error, run } = useAction();
  const [created, setCreated] = useState<string | null>(null);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Invite a member</CardTitle>
      </CardHeader>
      <form
        className="flex flex-wrap items-end gap-2 p-3"
        action={(form) => run(() => inviteMember({ workspace, email: String(form.get('email')), role: String(form.get('role')) as never }), (d) => setCreated(d.invitationId))}
      >
        <Label>
          Email
          <Input name="email" type="email" required className="w-64" />
        </Label>
        <Label>
          Role
          <Select name="role" defaultValue="reader">
            {roles.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </Select>
        </Label>
        <Button type="submit" disabled={pending}>
          <UserPlus /> Invite
        </Button>
        {error ? <p className="basis-full text-sm text-destructive" role="alert">{error}</p> : null}
        {created ? (
          <p className="basis-full text-xs">
            Send this link (or the code <code className="font-mono" data-testid="invitation-code">{created}</code>); the invitee signs in with that email to join: <InvitationLink id={created} />
          </p>
        ) : null}
      </form>
    </Card>
  );
}

function InvitationLink({ id }: { id: string }) {
  const [origin, setOrigin] = useState('');
  useEffect(() => setOrigin(window.location.origin), []);
  const url = `${origin}/invite/${id}`;
  return (
    <span className="inline-flex items-center gap-1">
      <code className="font-mono" data-testid="invitation-link">{url}</code>
      <Button type="button" variant="ghost" size="icon" aria-label="Copy the invitation link" onClick={() => navigator.clipboard.writeText(url)}>
        <Copy />
      </Button>
    </span>
  );
}

export function PendingInvitations({ workspace, invitations }: { workspace: string; invitations: { id: string; email: string; role: string; expires: string }[] }) {
  const { pending, error, run } = useAction();
  if (invitations.length === 0) return null;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Pending invitations</CardTitle>
      </CardHeader>
      <Table>
        <thead>
          <tr>
            <Th>Email</Th>
            <Th>Role</Th>
            <Th>Expires</Th>
            <Th>Link</Th>
            <Th />
          </tr>
        </thead>
        <tbody>
          {invitations.map((i) => (
            <tr key={i.id}>
              <Td>{i.email}</Td>
              <Td>{i.role}</Td>
              <Td>{i.expires}</Td>
              <Td>
                <InvitationLink id={i.id} />
              </Td>
              <Td>
                <Button variant="ghost" size="sm" disabled={pending} onClick={() => run(() => cancelInvitation({ workspace, invitationId: i.id }))}>
                  Cancel
                </Button>
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
      {error ? <p className="p-2 text-sm text-destructive">{error}</p> : null}
    </Card>
  );
}

export function LeaveButton({ workspace }: { workspace: string }) {
  const { pending, error, run } = useAction();
  return (
    <span className="flex items-center gap-2">
      {error ? <span className="text-xs text-destructive">{error}</span> : null}
      <Button variant="outline" size="sm" disabled={pending} onClick={() => confirm(`Leave ${workspace}?`) && run(() => leaveWorkspace({ workspace }))}>
        Leave workspace
      </Button>
    </span>
  );
}
