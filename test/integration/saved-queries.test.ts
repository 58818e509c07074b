import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canChangeSavedQuery } from '../../lib/auth/saved-query-access';
import { isSluiceError } from '../../lib/errors';
import type { Store } from '../../lib/store/open-store';
import { createTestStore } from '../support/test-store';

let store: Store;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => store?.close());

async function workspace(): Promise<string> {
  const id = randomUUID();
  await store.prisma.organization.create({ data: { id, name: `ws ${id}`, slug: `ws-${id.slice(0, 8)}` } });
  return id;
}

async function user(name: string): Promise<string> {
  const id = randomUUID();
  await store.prisma.user.create({ data: { id, name, email: `${name}-${id.slice(0, 8)}@example.test` } });
  return id;
}

const anyone = () => true;

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!isSluiceError(err)) throw new Error(`expected a SluiceError, got ${String(err)}`);
  return err.code;
}

describe('[SAVED QUERIES] the store', () => {
  it('saves a query with its author, and saving the same name again replaces its SQL', async () => {
    const ws = await workspace();
    const alice = await user('alice');
    const first = await store.savedQueries.save({ workspaceId: ws, name: 'hot', sql: 'SELECT 1', userId: alice, mayReplace: anyone });
    expect(first).toMatchObject({ name: 'hot', sql: 'SELECT 1', createdByUserId: alice, author: { name: 'alice' } });

    const again = await store.savedQueries.save({ workspaceId: ws, name: 'hot', sql: 'SELECT 2', userId: alice, mayReplace: anyone });
    expect(again).toMatchObject({ id: first.id, sql: 'SELECT 2', createdByUserId: alice });
    expect(again.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
    expect(await store.savedQueries.list(ws)).toHaveLength(1);
  });

  it('lists a workspace\'s queries in name order, and only its own', async () => {
    const [ws, other] = [await workspace(), await workspace()];
    const bob = await user('bob');
    for (const name of ['zeta', 'Alpha', 'mid']) await store.savedQueries.save({ workspaceId: ws, name, sql: `SELECT '${name}'`, userId: bob, mayReplace: anyone });
    const elsewhere = await store.savedQueries.save({ workspaceId: other, name: 'mid', sql: 'SELECT 0', userId: bob, mayReplace: anyone });

    const list = await store.savedQueries.list(ws);
    expect(list.map((q) => q.name)).toEqual(['Alpha', 'mid', 'zeta']);
    expect(list[0].author?.email).toMatch(/^bob-/);
    expect(await store.savedQueries.find(ws, elsewhere.id)).toBeUndefined();
    expect(await store.savedQueries.find(other, elsewhere.id)).toMatchObject({ name: 'mid', sql: 'SELECT 0' });
  });

  it('does not replace another member\'s query of the same name unless allowed (maintainers); its author stays', async () => {
    const ws = await workspace();
    const [alice, bob] = [await user('alice'), await user('bob')];
    const mayReplaceAs = (userId: string, role: string) => (q: { createdByUserId: string | null }) => canChangeSavedQuery({ userId, role }, q);
    const mine = await store.savedQueries.save({ workspaceId: ws, name: 'shared', sql: 'SELECT 1', userId: alice, mayReplace: mayReplaceAs(alice, 'reader') });

    expect(await refusal(store.savedQueries.save({ workspaceId: ws, name: 'shared', sql: 'SELECT 2', userId: bob, mayReplace: mayReplaceAs(bob, 'editor') }))).toBe('SAVED_QUERY_EXISTS');
    expect((await store.savedQueries.find(ws, mine.id))?.sql).toBe('SELECT 1');

    const replaced = await store.savedQueries.save({ workspaceId: ws, name: 'shared', sql: 'SELECT 3', userId: bob, mayReplace: mayReplaceAs(bob, 'maintainer') });
    expect(replaced).toMatchObject({ id: mine.id, sql: 'SELECT 3', createdByUserId: alice });
  });

  it('a name differing only in case or compatibility forms is the same name, for saves and renames', async () => {
    const ws = await workspace();
    const [alice, bob] = [await user('alice'), await user('bob')];
    const mayReplaceAs = (userId: string, role: string) => (q: { createdByUserId: string | null }) => canChangeSavedQuery({ userId, role }, q);
    const daily = await store.savedQueries.save({ workspaceId: ws, name: 'Daily report', sql: 'SELECT 1', userId: alice, mayReplace: mayReplaceAs(alice, 'editor') });
    for (const name of ['DAILY REPORT', 'daily report', 'Ｄaily report', 'Daily\u00A0report']) {
      expect(await refusal(store.savedQueries.save({ workspaceId: ws, name, sql: 'SELECT 2', userId: bob, mayReplace: mayReplaceAs(bob, 'editor') })), name).toBe('SAVED_QUERY_EXISTS');
    }
    const other = await store.savedQueries.save({ workspaceId: ws, name: 'Weekly', sql: 'SELECT 3', userId: bob, mayReplace: anyone });
    expect(await refusal(store.savedQueries.rename(ws, other.id, 'DAILY report'))).toBe('SAVED_QUERY_EXISTS');
    // Its author saving under another spelling updates it, keeping its name.
    expect(await store.savedQueries.save({ workspaceId: ws, name: 'daily REPORT', sql: 'SELECT 4', userId: alice, mayReplace: mayReplaceAs(alice, 'editor') })).toMatchObject({ id: daily.id, name: 'Daily report', sql: 'SELECT 4' });
    expect((await store.savedQueries.list(ws)).map((q) => q.name)).toEqual(['Daily report', 'Weekly']);
  });

  it('renames, refusing a name another query of the workspace has', async () => {
    const ws = await workspace();
    const alice = await user('alice');
    const a = await store.savedQueries.save({ workspaceId: ws, name: 'a', sql: 'SELECT 1', userId: alice, mayReplace: anyone });
    await store.savedQueries.save({ workspaceId: ws, name: 'b', sql: 'SELECT 2', userId: alice, mayReplace: anyone });

    expect(await refusal(store.savedQueries.rename(ws, a.id, 'b'))).toBe('SAVED_QUERY_EXISTS');
    expect(await store.savedQueries.rename(ws, a.id, 'a')).toMatchObject({ id: a.id, name: 'a' });
    expect(await store.savedQueries.rename(ws, a.id, 'c')).toMatchObject({ id: a.id, name: 'c', sql: 'SELECT 1', author: { name: 'alice' } });
    expect((await store.savedQueries.list(ws)).map((q) => q.name)).toEqual(['b', 'c']);
    expect(await refusal(store.savedQueries.rename(await workspace(), a.id, 'd'))).toBe('SAVED_QUERY_NOT_FOUND');
  });

  it('deletes a query of the workspace only', async () => {
    const [ws, other] = [await workspace(), await workspace()];
    const alice = await user('alice');
    const q = await store.savedQueries.save({ workspaceId: ws, name: 'gone', sql: 'SELECT 1', userId: alice, mayReplace: anyone });

    expect(await refusal(store.savedQueries.delete(other, q.id))).toBe('SAVED_QUERY_NOT_FOUND');
    await store.savedQueries.delete(ws, q.id);
    expect(await store.savedQueries.find(ws, q.id)).toBeUndefined();
    expect(await refusal(store.savedQueries.delete(ws, q.id))).toBe('SAVED_QUERY_NOT_FOUND');
  });

  it('keeps a query when its author\'s account is deleted, and drops it with its workspace', async () => {
    const ws = await workspace();
    const carol = await user('carol');
    const q = await store.savedQueries.save({ workspaceId: ws, name: 'orphan', sql: 'SELECT 1', userId: carol, mayReplace: anyone });

    await store.prisma.user.delete({ where: { id: carol } });
    expect(await store.savedQueries.find(ws, q.id)).toMatchObject({ createdByUserId: null, author: null });

    await store.prisma.organization.delete({ where: { id: ws } });
    expect(await store.prisma.savedQuery.count({ where: { workspaceId: ws } })).toBe(0);
  });
});
