import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createFirstAccount } from '../../lib/auth/accounts';
import { createAuth, type Auth } from '../../lib/auth/create-auth';
import type { AccountPolicy } from '../../lib/config/signup';
import { DEFAULT_WORKSPACE } from '../../lib/datasets/dataset-key';
import { isSluiceError } from '../../lib/errors';
import { connectStore } from '../../lib/store/connect-store';
import { openStore, type Store } from '../../lib/store/open-store';
import { createTestDatabase } from '../support/test-store';

/**
 * The account policy held at Better Auth's own HTTP endpoints (what a visitor can call directly,
 * whatever the pages offer), and first-run setup under concurrency.
 */
const BASE = 'http://127.0.0.1:3999';
const CLOSED: AccountPolicy = { openSignup: false, workspaceCreators: 'maintainers' };
const MASTER = randomBytes(32);

let ipCounter = 0;
/** A POST to Better Auth's handler as a browser on the console would send it (each from its own address: rate limits are not under test). */
async function post(auth: Auth, path: string, body: unknown, cookie?: string): Promise<{ status: number; json: Record<string, unknown>; cookie: string }> {
  ipCounter++;
  const res = await auth.handler(
    new Request(`${BASE}/api/auth${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: BASE, 'x-sluice-client-ip': `10.1.${ipCounter >> 8}.${ipCounter & 255}`, ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    }),
  );
  const text = await res.text();
  const setCookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, cookie: setCookie };
}

async function signIn(auth: Auth, email: string, password: string): Promise<string> {
  const r = await post(auth, '/sign-in/email', { email, password });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.cookie;
}

const email = (who: string) => `${who}-${randomBytes(3).toString('hex')}@example.test`;
const PASSWORD = 'a-password-1';

async function freshStore(): Promise<Store> {
  return openStore({ databaseUrl: await createTestDatabase(), secretKey: MASTER });
}

/** A fresh database after setup: its auth under `policy`, and the first account (maintainer of default), signed in. */
async function afterSetup(policy: AccountPolicy): Promise<{ store: Store; auth: Auth; admin: { email: string; cookie: string } }> {
  const store = await freshStore();
  const auth = createAuth({ prisma: store.prisma, masterKey: MASTER, baseURL: BASE, policy });
  const adminEmail = email('admin');
  await createFirstAccount(auth, store.prisma, { name: 'Admin', email: adminEmail, password: PASSWORD });
  return { store, auth, admin: { email: adminEmail, cookie: await signIn(auth, adminEmail, PASSWORD) } };
}

describe('[SETUP] first run', () => {
  it('sign-up through Better Auth before setup is refused and creates nothing, so it cannot block setup', async () => {
    const store = await freshStore();
    const open = createAuth({ prisma: store.prisma, masterKey: MASTER, baseURL: BASE, policy: { openSignup: true, workspaceCreators: 'everyone' } });
    const r = await post(open, '/sign-up/email', { name: 'early', email: email('early'), password: PASSWORD });
    expect(r.status).toBe(403);
    expect(r.cookie).not.toMatch(/session_token/);
    expect(await store.prisma.user.count()).toBe(0);

    const { userId } = await createFirstAccount(open, store.prisma, { name: 'Admin', email: email('admin'), password: PASSWORD });
    const maint = await store.prisma.member.findMany({ where: { organization: { slug: DEFAULT_WORKSPACE } } });
    expect(maint).toEqual([expect.objectContaining({ userId, role: 'maintainer' })]);
    await store.close();
  });

  it('of many concurrent setups on several server instances, exactly one becomes maintainer', async () => {
    const databaseUrl = await createTestDatabase();
    const first = await openStore({ databaseUrl, secretKey: MASTER });
    const instances = [first, await connectStore({ databaseUrl, secretKey: MASTER }), await connectStore({ databaseUrl, secretKey: MASTER })];
    const auths = instances.map((s) => createAuth({ prisma: s.prisma, masterKey: MASTER, baseURL: BASE, policy: CLOSED }));
    const attempts = Array.from({ length: 24 }, (_, i) => createFirstAccount(auths[i % 3], instances[i % 3].prisma, { name: `racer ${i}`, email: email(`racer${i}`), password: PASSWORD }));
    const results = await Promise.allSettled(attempts);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(isSluiceError(r.reason, 'FORBIDDEN'), String(r.reason)).toBe(true);
    expect(await first.prisma.user.count()).toBe(1);
    expect(await first.prisma.member.count({ where: { role: 'maintainer', organization: { slug: DEFAULT_WORKSPACE } } })).toBe(1);
    // And once set up, setup stays closed.
    await expect(createFirstAccount(auths[0], first.prisma, { name: 'late', email: email('late'), password: PASSWORD })).rejects.toSatisfy((e) => isSluiceError(e, 'FORBIDDEN'));
    for (const s of instances) await s.close();
  });
});

describe('[ACCOUNTS] after setup', () => {
  let store: Store;
  let auth: Auth;
  let admin: { email: string; cookie: string };
  let defaultId: string;

  beforeAll(async () => {
    ({ store, auth, admin } = await afterSetup(CLOSED));
    defaultId = (await store.prisma.organization.findUniqueOrThrow({ where: { slug: DEFAULT_WORKSPACE } })).id;
  });
  afterAll(async () => store?.close());

  async function invite(address: string): Promise<string> {
    const r = await post(auth, '/organization/invite-member', { email: address, role: 'reader', organizationId: defaultId }, admin.cookie);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json.id as string;
  }

  it('sign-up is closed by default: a visitor gets 403, and learns nothing about existing addresses', async () => {
    const users = await store.prisma.user.count();
    const stranger = await post(auth, '/sign-up/email', { name: 'x', email: email('stranger'), password: PASSWORD });
    expect(stranger.status).toBe(403);
    expect(stranger.json.code).toBe('SIGNUP_NOT_ALLOWED');
    const existing = await post(auth, '/sign-up/email', { name: 'x', email: admin.email, password: PASSWORD });
    expect(existing.status).toBe(403);
    expect(existing.json.message).toBe(stranger.json.message);
    expect(await store.prisma.user.count()).toBe(users);
  });

  it('SLUICE_OPEN_SIGNUP opens it', async () => {
    const open = createAuth({ prisma: store.prisma, masterKey: MASTER, baseURL: BASE, policy: { ...CLOSED, openSignup: true } });
    const r = await post(open, '/sign-up/email', { name: 'x', email: email('walkin'), password: PASSWORD });
    expect(r.status).toBe(200);
  });

  it('an invitation admits its own address only, with the invitation, while it is pending', async () => {
    const invitee = email('invitee');
    const id = await invite(invitee);
    const users = await store.prisma.user.count();
    // Another address with the invitation; the address without it; a made-up invitation.
    expect((await post(auth, '/sign-up/email', { name: 'm', email: email('mallory'), password: PASSWORD, invitationId: id })).status).toBe(403);
    expect((await post(auth, '/sign-up/email', { name: 'm', email: invitee, password: PASSWORD })).status).toBe(403);
    expect((await post(auth, '/sign-up/email', { name: 'm', email: invitee, password: PASSWORD, invitationId: 'not-an-invitation' })).status).toBe(403);
    expect((await post(auth, '/sign-up/email', { name: 'm', email: invitee, password: PASSWORD, invitationId: { not: 'a string' } })).status).toBe(403);
    expect(await store.prisma.user.count()).toBe(users);

    // A cancelled invitation admits nobody.
    const cancelledFor = email('cancelled');
    const cancelled = await invite(cancelledFor);
    expect((await post(auth, '/organization/cancel-invitation', { invitationId: cancelled }, admin.cookie)).status).toBe(200);
    expect((await post(auth, '/sign-up/email', { name: 'c', email: cancelledFor, password: PASSWORD, invitationId: cancelled })).status).toBe(403);

    // The invited address, in any case, with its invitation.
    const ok = await post(auth, '/sign-up/email', { name: 'Invitee', email: invitee.toUpperCase(), password: PASSWORD, invitationId: id });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(await store.prisma.user.count()).toBe(users + 1);
  });

  it('only the invited address may accept: Better Auth refuses another signed-in account, and the join is in Activity', async () => {
    const invitee = email('joiner');
    const id = await invite(invitee);
    await createAccount(auth, store.prisma, { name: 'Mallory', email: email('mallory'), password: PASSWORD });
    const mallory = (await store.prisma.user.findFirstOrThrow({ where: { name: 'Mallory' } })).email;
    const malloryCookie = await signIn(auth, mallory, PASSWORD);
    const stolen = await post(auth, '/organization/accept-invitation', { invitationId: id }, malloryCookie);
    expect(stolen.status).toBe(403);
    expect((await store.prisma.invitation.findUniqueOrThrow({ where: { id } })).status).toBe('pending');
    expect(await store.prisma.member.count({ where: { user: { email: mallory } } })).toBe(0);
    // Nor can Mallory reject it for them.
    expect((await post(auth, '/organization/reject-invitation', { invitationId: id }, malloryCookie)).status).toBe(403);

    const signedUp = await post(auth, '/sign-up/email', { name: 'Joiner', email: invitee, password: PASSWORD, invitationId: id });
    expect(signedUp.status).toBe(200);
    const accepted = await post(auth, '/organization/accept-invitation', { invitationId: id }, signedUp.cookie);
    expect(accepted.status, JSON.stringify(accepted.json)).toBe(200);
    expect(await store.prisma.member.findFirst({ where: { user: { email: invitee }, organizationId: defaultId } })).toMatchObject({ role: 'reader' });
    const activity = await store.activity.list(defaultId);
    expect(activity.find((a) => a.action === 'member.join' && a.target === invitee)).toBeDefined();

    // A used invitation admits nobody else.
    expect((await post(auth, '/sign-up/email', { name: 'again', email: invitee.replace('joiner', 'joiner2'), password: PASSWORD, invitationId: id })).status).toBe(403);
  });

  it('an account address cannot be changed (invitations are bound to it)', async () => {
    const r = await post(auth, '/update-user', { email: email('other') }, admin.cookie);
    expect(r.status).not.toBe(200);
    expect(await store.prisma.user.count({ where: { email: admin.email } })).toBe(1);
  });

  it('SLUICE_WORKSPACE_CREATORS decides who may create workspaces at /organization/create', async () => {
    const plain = email('plain');
    await createAccount(auth, store.prisma, { name: 'Plain', email: plain, password: PASSWORD });
    const plainCookie = await signIn(auth, plain, PASSWORD);
    const slug = () => `ws-${randomBytes(4).toString('hex')}`;

    // maintainers (default): an account that maintains no workspace may not; the default's maintainer may.
    expect((await post(auth, '/organization/create', { name: 'x', slug: slug() }, plainCookie)).status).toBe(403);
    expect((await post(auth, '/organization/create', { name: 'x', slug: slug() }, admin.cookie)).status).toBe(200);

    const nobody = createAuth({ prisma: store.prisma, masterKey: MASTER, baseURL: BASE, policy: { ...CLOSED, workspaceCreators: 'nobody' } });
    expect((await post(nobody, '/organization/create', { name: 'x', slug: slug() }, admin.cookie)).status).toBe(403);
    // A body `userId` does not make a visitor's request the server's own.
    const plainId = (await store.prisma.user.findUniqueOrThrow({ where: { email: plain } })).id;
    expect((await post(nobody, '/organization/create', { name: 'x', slug: slug(), userId: plainId })).status).toBe(401);
    // The operator (a server-side call naming the account, no session) still may.
    const opSlug = slug();
    await nobody.api.createOrganization({ body: { name: 'ops', slug: opSlug, userId: plainId } });
    expect(await store.prisma.organization.count({ where: { slug: opSlug } })).toBe(1);

    const everyone = createAuth({ prisma: store.prisma, masterKey: MASTER, baseURL: BASE, policy: { ...CLOSED, workspaceCreators: 'everyone' } });
    const other = email('other');
    await createAccount(auth, store.prisma, { name: 'Other', email: other, password: PASSWORD });
    expect((await post(everyone, '/organization/create', { name: 'x', slug: slug() }, await signIn(everyone, other, PASSWORD))).status).toBe(200);
  });
});

describe("[WORKSPACES] a workspace's address at Better Auth's own endpoints", () => {
  it('a new slug follows the console\'s rule, a slug never changes (so it cannot be freed and taken), and the default workspace is never deleted', async () => {
    const store = await freshStore();
    const auth = createAuth({ prisma: store.prisma, masterKey: MASTER, baseURL: BASE, policy: { ...CLOSED, workspaceCreators: 'everyone' } });
    const adminEmail = email('admin');
    await createFirstAccount(auth, store.prisma, { name: 'Admin', email: adminEmail, password: PASSWORD });
    const cookie = await signIn(auth, adminEmail, PASSWORD);
    const slugs = async () => (await store.prisma.organization.findMany({ select: { slug: true }, orderBy: { slug: 'asc' } })).map((o) => o.slug);
    const before = await slugs();

    // Slugs the console's form refuses: upper case (a second "Default"), a look-alike letter, a slash, dots, spaces, too long.
    for (const slug of ['Default', 'd\u0435fault', 'other/x', '..', ' default', 'x'.repeat(49), '-x']) {
      const r = await post(auth, '/organization/create', { name: 'x', slug }, cookie);
      expect(r.status, slug).toBe(403);
      expect(r.json, slug).toMatchObject({ code: 'WORKSPACE_ADDRESS' });
    }
    expect(await slugs()).toEqual(before);

    const mine = `mine-${randomBytes(3).toString('hex')}`;
    const created = await post(auth, '/organization/create', { name: 'Mine', slug: mine }, cookie);
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    const mineId = String(created.json.id);
    // Its maintainer may rename it, but not move its address (which would free `mine` for anyone to take).
    expect((await post(auth, '/organization/update', { organizationId: mineId, data: { name: 'Renamed' } }, cookie)).status).toBe(200);
    const moved = await post(auth, '/organization/update', { organizationId: mineId, data: { slug: `${mine}-2` } }, cookie);
    expect(moved.status).toBe(403);
    expect((await post(auth, '/organization/update', { organizationId: DEFAULT_WORKSPACE, data: { slug: 'main' } }, cookie)).status).toBe(403);
    expect(await store.prisma.organization.findMany({ where: { id: { in: [mineId, DEFAULT_WORKSPACE] } }, select: { slug: true }, orderBy: { slug: 'asc' } })).toEqual([{ slug: DEFAULT_WORKSPACE }, { slug: mine }]);

    // Deleting: the default workspace (the CLI's bare names) never; another workspace, by its maintainer, yes.
    expect((await post(auth, '/organization/delete', { organizationId: DEFAULT_WORKSPACE }, cookie)).status).toBe(403);
    expect((await post(auth, '/organization/delete', { organizationId: mineId }, cookie)).status).toBe(200);
    expect(await slugs()).toEqual(before);
    await store.close();
  });
});

describe("[NAMES, ROLES] what Better Auth's own endpoints accept", () => {
  let env: Awaited<ReturnType<typeof afterSetup>>;
  let wsId: string;

  beforeAll(async () => {
    env = await afterSetup({ ...CLOSED, workspaceCreators: 'everyone' });
    const { auth, admin } = env;
    const created = await post(auth, '/organization/create', { name: 'Names', slug: `names-${randomBytes(3).toString('hex')}` }, admin.cookie);
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    wsId = String(created.json.id);
  });
  afterAll(async () => env?.store.close());

  it('names with hidden or text-direction characters, or words mixing scripts, are refused for workspaces and accounts; images are https or data only', async () => {
    const { store, auth, admin } = env;
    for (const name of ['evil\u202Eexe.pdf', 'Names\u200B', 'Nam\u0435s', 'a\u0000b']) {
      const renamed = await post(auth, '/organization/update', { organizationId: wsId, data: { name } }, admin.cookie);
      expect(renamed.status, JSON.stringify(name)).toBe(400);
      const created = await post(auth, '/organization/create', { name, slug: `n-${randomBytes(3).toString('hex')}` }, admin.cookie);
      expect(created.status, JSON.stringify(name)).toBe(400);
      expect((await post(auth, '/update-user', { name }, admin.cookie)).status, JSON.stringify(name)).toBe(400);
    }
    expect(await store.prisma.organization.findUniqueOrThrow({ where: { id: wsId } })).toMatchObject({ name: 'Names' });
    expect(await store.prisma.user.findUniqueOrThrow({ where: { email: admin.email } })).toMatchObject({ name: 'Admin' });
    expect((await post(auth, '/organization/update', { organizationId: wsId, data: { name: 'Équipe 🚀' } }, admin.cookie)).status).toBe(200);

    for (const image of ['javascript:alert(document.cookie)', 'http://tracker.example/p.gif', 'data:text/html;base64,PHNjcmlwdD4=']) {
      expect((await post(auth, '/update-user', { image }, admin.cookie)).status, image).toBe(400);
    }
    expect(await store.prisma.user.findUniqueOrThrow({ where: { email: admin.email } })).toMatchObject({ image: null });
    expect((await post(auth, '/update-user', { image: 'https://images.example/me.png' }, admin.cookie)).status).toBe(200);
  });

  it("roles are exactly one of Sluice's three, at invite-member and update-member-role", async () => {
    const { store, auth, admin } = env;
    for (const role of ['owner', 'admin', 'maintainer,reader', ['editor', 'reader'], 'Reader']) {
      const r = await post(auth, '/organization/invite-member', { email: email('role'), role, organizationId: wsId }, admin.cookie);
      expect(r.status, JSON.stringify(role)).toBe(400);
    }
    expect(await store.prisma.invitation.count({ where: { organizationId: wsId } })).toBe(0);

    const memberEmail = email('member');
    const { userId } = await createAccount(auth, store.prisma, { name: 'Member', email: memberEmail, password: PASSWORD });
    await store.workspaces.addMember(wsId, userId, 'reader');
    const member = await store.prisma.member.findFirstOrThrow({ where: { organizationId: wsId, userId } });
    for (const role of ['owner', 'admin', 'maintainer,reader', ['editor', 'maintainer']]) {
      const r = await post(auth, '/organization/update-member-role', { memberId: member.id, role, organizationId: wsId }, admin.cookie);
      expect(r.status, JSON.stringify(role)).toBe(400);
    }
    expect((await store.prisma.member.findUniqueOrThrow({ where: { id: member.id } })).role).toBe('reader');
    expect((await post(auth, '/organization/update-member-role', { memberId: member.id, role: 'editor', organizationId: wsId }, admin.cookie)).status).toBe(200);
    expect((await post(auth, '/organization/invite-member', { email: email('ok'), role: 'maintainer', organizationId: wsId }, admin.cookie)).status).toBe(200);
  });

  it('check-slug tells nobody which workspaces exist', async () => {
    const { store, auth } = env;
    const outsider = email('outsider');
    await createAccount(auth, store.prisma, { name: 'Outsider', email: outsider, password: PASSWORD });
    const cookie = await signIn(auth, outsider, PASSWORD);
    const checkSlug = async (slug: string, c?: string) => {
      const res = await auth.handler(new Request(`${BASE}/api/auth/organization/check-slug`, { method: 'POST', headers: { 'content-type': 'application/json', origin: BASE, ...(c ? { cookie: c } : {}) }, body: JSON.stringify({ slug }) }));
      return { status: res.status, body: await res.text() };
    };
    for (const c of [cookie, undefined]) {
      const taken = await checkSlug(DEFAULT_WORKSPACE, c);
      expect(taken.status).toBe(404);
      expect(await checkSlug(`free-${randomBytes(3).toString('hex')}`, c)).toEqual(taken);
    }
  });
});
