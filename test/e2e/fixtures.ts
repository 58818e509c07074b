import fs from 'node:fs';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import mqtt from 'mqtt';
import type { Role } from '../../lib/auth/roles';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { pullUntilCaughtUp, type CaughtUpResult } from '../../lib/ingest/pull-until-caught-up';
import { openStore, type Store } from '../../lib/store/open-store';
import { mqttManifest, type TestManifest } from '../support/manifests';

/** What global-setup started, and helpers that act as a device or an operator beside the browser. */
interface Sluice {
  mqttPort: number;
  wsUrl: string;
  /** Adds a dataset straight through lib/ (the CLI's path) and stores its preview URL. */
  addDataset(m: Omit<TestManifest, 'port'> & { port?: number }): Promise<void>;
  /**
   * Pulls a default-workspace dataset as the console's Pull now does (lib/ingest, in this process),
   * for tests where pulling is not what the browser is there to prove.
   */
  pull(name: string): Promise<CaughtUpResult>;
  /** Publishes like a device would, over TCP. */
  publish(topic: string, payload: string | Buffer, opts?: { qos?: 0 | 1 | 2; retain?: boolean }): Promise<void>;
  store: Store;
}

/** A Playwright storage state signed in as the default workspace's reader, editor or maintainer. */
export function signedInAs(role: Role): string {
  return process.env[`SLUICE_E2E_STATE_${role.toUpperCase()}`]!;
}

export const test = base.extend<{ sluice: Sluice }>({
  baseURL: async ({}, use) => use(process.env.SLUICE_E2E_BASE_URL),
  // Tests act as the maintainer unless they choose a role (test.use({ storageState: signedInAs('reader') })).
  storageState: async ({}, use) => use(signedInAs('maintainer')),
  sluice: async ({}, use) => {
    const store = await openStore({ databaseUrl: process.env.SLUICE_E2E_DATABASE_URL!, secretKey: Buffer.from(process.env.SLUICE_E2E_SECRET_KEY!, 'base64') });
    const mqttPort = Number(process.env.SLUICE_E2E_MQTT_PORT);
    const wsUrl = process.env.SLUICE_E2E_MQTT_WS_URL!;
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0 });
    await use({
      mqttPort,
      wsUrl,
      store,
      addDataset: async (m) => {
        const { id } = await addDataset({ store, manifest: mqttManifest({ ...m, port: m.port ?? mqttPort }) });
        await store.datasets.setPreviewWsUrl(id, wsUrl);
      },
      pull: (name) => pullUntilCaughtUp({ store: store.ingest, dataset: defaultWorkspaceKey(name) }),
      publish: async (topic, payload, opts) => {
        await device.publishAsync(topic, payload, { qos: opts?.qos ?? 1, retain: opts?.retain ?? false });
      },
    });
    await device.endAsync();
    await store.close();
  },
});

export { expect };

/** A dataset name no other test uses (tests share one database). */
export function uniqueName(prefix: string): string {
  return `${prefix}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * The link of the invitation the members form just created: the one beside its code, not another
 * test's invitation in the pending list.
 */
export function createdInvitationLink(page: Page): Locator {
  return page.locator('p', { has: page.getByTestId('invitation-code') }).getByTestId('invitation-link');
}

/** The session cookie of a role's storage state, as a Node client sends it on the WebSocket upgrade. */
export function cookieOf(role: Role): string {
  const state = JSON.parse(fs.readFileSync(signedInAs(role), 'utf8')) as { cookies: { name: string; value: string }[] };
  return state.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

/** The preview relay's URL for a dataset of the default workspace. */
export function relayUrl(name: string): string {
  return `${process.env.SLUICE_E2E_BASE_URL!.replace('http', 'ws')}/api/mqtt-relay?workspace=default&dataset=${encodeURIComponent(name)}`;
}
