import { randomUUID } from 'node:crypto';
import { request as playwrightRequest, type APIRequestContext } from '@playwright/test';
import type { Role } from '../../lib/auth/roles';
import { addDataset } from '../../lib/datasets/add-dataset';
import { mqttManifest } from '../support/manifests';
import { expect, signedInAs, test, uniqueName } from './fixtures';

/** Every page of a workspace, with a dataset `name` in it (`q`: a saved query id for the query page). */
function workspacePages(slug: string, name: string, q: string): string[] {
  const w = `/w/${slug}`;
  const d = `${w}/datasets/${name}`;
  return [w, `${w}/activity`, `${w}/members`, `${w}/settings`, `${w}/devices`, `${w}/query`, `${w}/query?q=${q}`, `${w}/datasets/new`, d, ...['data', 'history', 'pulls', 'preview', 'quarantine', 'edit', 'settings'].map((t) => `${d}/${t}`)];
}

/** Every data route of a dataset, by method. */
function dataRoutes(slug: string, name: string): { method: 'get' | 'post'; path: string }[] {
  const r = `/api/w/${slug}/datasets/${name}`;
  return [
    ...['export?format=csv', 'export?format=ndjson', 'export?format=parquet', 'slices', 'live', 'inbox', 'arrow?id=x&schema=y&from=0&to=0'].map((p) => ({ method: 'get' as const, path: `${r}/${p}` })),
    { method: 'get', path: `/api/pull-runs/${randomUUID()}` },
  ];
}

async function as(role: Role | null): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ storageState: role ? signedInAs(role) : { cookies: [], origins: [] }, baseURL: process.env.SLUICE_E2E_BASE_URL });
}

/**
 * The guard's answers over every page and data route, for every kind of caller: a workspace one
 * is not a member of does not exist (404, whatever the role elsewhere), a role that may not open a
 * page is refused with 403, and without a session pages send to sign-in and routes answer 401.
 */
test.describe('[ACCESS] every page and route, for every caller', () => {
  test('non-members get 404 everywhere in another workspace, even for its saved queries; no page streams a refusal as 200', async ({ sluice }) => {
    const name = uniqueName('matrix');
    const slug = `other-${randomUUID().slice(0, 8)}`;
    const workspaceId = randomUUID();
    await sluice.store.prisma.organization.create({ data: { id: workspaceId, name: 'Other', slug } });
    const manifest = mqttManifest({ name, port: sluice.mqttPort, topics: [{ path: `${name}/#` }] });
    await addDataset({ store: sluice.store, manifest, workspaceFor: async () => ({ id: workspaceId, slug }) });
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] }); // the same name in default
    const author = await sluice.store.prisma.user.findFirstOrThrow();
    const otherQuery = await sluice.store.savedQueries.save({ workspaceId, name: uniqueName('q'), sql: 'select 1', userId: author.id, mayReplace: () => false });

    for (const role of ['reader', 'maintainer'] as const) {
      const member = await as(role);
      for (const path of workspacePages(slug, name, otherQuery.id)) {
        const res = await member.get(path);
        expect(res.status(), `${role} ${path}`).toBe(404);
      }
      for (const { method, path } of dataRoutes(slug, name)) {
        const res = await member[method](path);
        expect(res.status(), `${role} ${path}`).toBe(404);
      }
      // Another workspace's saved query under this workspace's query page.
      expect((await member.get(`/w/default/query?q=${otherQuery.id}`)).status(), role).toBe(404);
      await member.dispose();
    }
  });

  test('a role that may not open a page gets 403; without a session pages go to sign-in and routes answer 401', async ({ sluice }) => {
    const name = uniqueName('matrix');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    const d = `/w/default/datasets/${name}`;
    const refused: Record<'reader' | 'editor', string[]> = {
      reader: ['/w/default/settings', '/w/default/devices', '/w/default/datasets/new', `${d}/edit`, `${d}/settings`],
      editor: ['/w/default/settings', '/w/default/devices', `${d}/settings`],
    };
    for (const role of ['reader', 'editor'] as const) {
      const member = await as(role);
      for (const path of refused[role]) {
        const res = await member.get(path);
        expect(res.status(), `${role} ${path}`).toBe(403);
        expect(await res.text(), `${role} ${path}`).toContain('Not allowed');
      }
      await member.dispose();
    }

    const visitor = await as(null);
    for (const path of workspacePages('default', name, randomUUID())) {
      const res = await visitor.get(path, { maxRedirects: 0 });
      expect([303, 307], path).toContain(res.status());
      expect(res.headers().location, path).toMatch(/^\/sign-in/);
    }
    for (const { method, path } of dataRoutes('default', name)) {
      const res = await visitor[method](path);
      expect(res.status(), path).toBe(401);
    }
    await visitor.dispose();
  });
});
