import { randomUUID } from 'node:crypto';
import type { Role } from '../../lib/auth/roles';
import { addDataset } from '../../lib/datasets/add-dataset';
import { createDeviceCredential } from '../../lib/devices/create-device-credential';
import { mqttManifest } from '../support/manifests';
import { expect, test, uniqueName } from './fixtures';
import { actionResult, callAction } from './server-actions';

/**
 * Server actions are public endpoints: anyone with an action's id can call it with any arguments,
 * whatever page offered it. Called here directly (by the id the build gave it), as a maintainer of
 * `default` who also maintains another workspace, naming `default` for the guard and the other
 * workspace's objects in the arguments: every argument must be authorised against the workspace
 * the guard checked, not merely against what the caller may do somewhere.
 */
test.describe('[ISOLATION] server action arguments', () => {
  test("another workspace's invitation, member, device credential, saved query and dataset are not reached through default's guard, even by their own maintainer", async ({ sluice }) => {
    const store = sluice.store;
    const accounts = JSON.parse(process.env.SLUICE_E2E_ACCOUNTS!) as Record<Role, { email: string }>;
    const me = await store.prisma.user.findUniqueOrThrow({ where: { email: accounts.maintainer.email } });
    const slug = `other-${randomUUID().slice(0, 8)}`;
    const otherId = randomUUID();
    await store.prisma.organization.create({ data: { id: otherId, name: 'Other', slug } });
    await store.workspaces.addMember(otherId, me.id, 'maintainer');

    // The other workspace's objects.
    const invitationId = randomUUID();
    const invitee = `${uniqueName('invitee')}@example.test`;
    await store.prisma.invitation.create({ data: { id: invitationId, organizationId: otherId, email: invitee, role: 'reader', expiresAt: new Date(Date.now() + 86_400_000), inviterId: me.id } });
    const memberUser = randomUUID();
    const memberEmail = `${uniqueName('member')}@example.test`;
    await store.prisma.user.create({ data: { id: memberUser, name: 'member', email: memberEmail, emailVerified: false, createdAt: new Date(), updatedAt: new Date() } });
    await store.workspaces.addMember(otherId, memberUser, 'reader');
    const memberId = (await store.prisma.member.findFirstOrThrow({ where: { organizationId: otherId, userId: memberUser } })).id;
    const { credential } = await createDeviceCredential({ devices: store.devices, workspaceId: otherId, input: { name: uniqueName('dev').replace('.', '-'), allowedFilters: [], expiresAt: null } });
    const query = await store.savedQueries.save({ workspaceId: otherId, name: uniqueName('q'), sql: 'select 1', userId: me.id, mayReplace: () => false });
    const dataset = uniqueName('elsewhere');
    await addDataset({ store, manifest: mqttManifest({ name: dataset, port: sluice.mqttPort, topics: [{ path: `${dataset}/#` }] }), workspaceFor: async () => ({ id: otherId, slug }) });

    const members = 'app/w/[workspace]/members/actions.ts';
    const queries = 'app/w/[workspace]/query/saved-query-actions.ts';
    const calls: [string, string, string, unknown][] = [
      ['/w/default/members', members, 'cancelInvitation', { workspace: 'default', invitationId }],
      ['/w/default/members', members, 'changeRole', { workspace: 'default', memberId, role: 'maintainer' }],
      ['/w/default/members', members, 'removeMember', { workspace: 'default', memberId }],
      ['/w/default/devices', 'app/w/[workspace]/devices/actions.ts', 'revokeDevice', { workspace: 'default', id: credential.id }],
      ['/w/default/query', queries, 'renameSavedQuery', { workspace: 'default', id: query.id, name: 'renamed' }],
      ['/w/default/query', queries, 'deleteSavedQuery', { workspace: 'default', id: query.id }],
      ['/w/default/settings', 'app/w/[workspace]/settings/actions.ts', 'setSecret', { workspace: 'default', dataset, name: 'X', value: 'v', brokers: 'mqtt://127.0.0.1:1883' }],
      ['/w/default', 'app/w/[workspace]/datasets/[name]/actions.ts', 'setSchedule', { workspace: 'default', dataset, schedule: { kind: 'every', minutes: 5 } }],
    ];
    for (const [page, file, name, arg] of calls) expect(actionResult(await callAction('maintainer', page, file, name, arg)), name).toMatchObject({ ok: false });

    // Nothing of the other workspace changed, and default's activity records nothing of it.
    expect((await store.prisma.invitation.findUniqueOrThrow({ where: { id: invitationId } })).status).toBe('pending');
    expect((await store.prisma.member.findUniqueOrThrow({ where: { id: memberId } })).role).toBe('reader');
    expect((await store.devices.list(otherId)).find((d) => d.id === credential.id)?.revokedAt).toBeNull();
    expect(await store.savedQueries.find(otherId, query.id)).toMatchObject({ name: query.name });
    expect(await store.prisma.secret.count({ where: { workspaceId: otherId } })).toBe(0);
    const targets = [invitee, memberEmail, credential.name, query.name, dataset, `${dataset}/X`];
    expect(await store.prisma.activity.findMany({ where: { workspaceId: 'default', target: { in: targets } } })).toEqual([]);

    // The same call for default's own invitation works (the action ids and arguments are right).
    const own = randomUUID();
    await store.prisma.invitation.create({ data: { id: own, organizationId: 'default', email: `${uniqueName('own')}@example.test`, role: 'reader', expiresAt: new Date(Date.now() + 86_400_000), inviterId: me.id } });
    expect(actionResult(await callAction('maintainer', '/w/default/members', members, 'cancelInvitation', { workspace: 'default', invitationId: own }))).toMatchObject({ ok: true });
    expect((await store.prisma.invitation.findUniqueOrThrow({ where: { id: own } })).status).toBe('canceled');
  });
});
