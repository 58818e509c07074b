import type { Metadata } from 'next';
import Link from 'next/link';
import { Card } from '@/app/_components/ui/card';
import { getViewer } from '@/lib/server/guard';
import { getStore } from '@/lib/server/store';
import { AcceptButton } from './accept-button';

export const metadata: Metadata = { title: 'Invitation' };
export const dynamic = 'force-dynamic';

export default async function InvitePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const [invitation, viewer] = await Promise.all([(await getStore()).workspaces.invitation(id), getViewer()]);
  const usable = invitation && invitation.status === 'pending' && invitation.expiresAt > new Date();
  const here = `/invite/${encodeURIComponent(id)}`;
  return (
    <Card className="mx-auto mt-10 w-full max-w-md p-5 text-sm">
      {!usable ? (
        <p>This invitation does not exist, was cancelled, was already used, or has expired. Ask a maintainer for a new one.</p>
      ) : (
        <div className="flex flex-col gap-3">
          <h1 className="text-lg font-semibold">Join {invitation.organization.name}</h1>
          <p>
            {invitation.inviter.name} ({invitation.inviter.email}) invited <strong>{invitation.email}</strong> as <strong>{invitation.role ?? 'reader'}</strong>.
          </p>
          {!viewer ? (
            <p>
              <Link className="text-primary underline" href={`/sign-in?next=${encodeURIComponent(here)}`}>Sign in</Link> or{' '}
              <Link className="text-primary underline" href={`/sign-up?invitation=${encodeURIComponent(invitation.id)}&next=${encodeURIComponent(here)}`}>create an account</Link> as {invitation.email} to accept.
            </p>
          ) : viewer.email.toLowerCase() !== invitation.email.toLowerCase() ? (
            <p className="text-destructive" data-testid="invitation-wrong-account">
              You are signed in as {viewer.email}; this invitation is for {invitation.email}. Sign out and sign in (or create an account) as {invitation.email} to accept it.
            </p>
          ) : (
            <AcceptButton invitationId={invitation.id} />
          )}
        </div>
      )}
    </Card>
  );
}
