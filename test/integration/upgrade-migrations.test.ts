import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR } from '../../lib/store/migrate';
import { createTestDatabase } from '../support/test-store';

/** The migrations up to (not including) `name`, as a directory of their own. */
function migrationsBefore(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-migrations-'));
  for (const m of fs.readdirSync(MIGRATIONS_DIR).filter((m) => m < name)) fs.cpSync(path.join(MIGRATIONS_DIR, m), path.join(dir, m), { recursive: true });
  return dir;
}

const source = (host: string, port: number, password?: string) => ({
  kind: 'DatasetSnapshot',
  name: 'x',
  metadata: [{ kind: 'SetPollingSource', fetch: { kind: 'Mqtt', host, port, topics: [{ path: 'a/#' }], ...(password ? { password } : {}) } }],
});

describe('[UPGRADE] migrations of this release move existing data', () => {
  it('renames datasets stored with "account/name", and leaves existing secrets bound to no broker', async () => {
    const url = await createTestDatabase();
    await applyMigrations(url, migrationsBefore('20261205000000_dataset_name_rule'));
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const dataset = (id: string, name: string, manifest: object) =>
      db.query(`INSERT INTO dataset (id, name, workspace_id, manifest, head_hash, head_sequence, mqtt_client_id) VALUES ($1, $2, 'default', $3, 'h', 0, $1)`, [id, name, JSON.stringify(manifest)]);
    await dataset('d1', 'acme/temp', { ...source('mqtts://broker.example.com', 8883, '${{ env.API_TOKEN }}'), name: 'acme/temp' });
    await dataset('d2', 'other/temp', source('10.0.0.7', 1884));
    await dataset('d3', 'temp', source('ws://[::1]:8083/mqtt', 1883, '${{ env.MQTT_PASSWORD }}'));
    const secret = (datasetId: string | null, name: string) =>
      db.query(`INSERT INTO secret (workspace_id, dataset_id, name, nonce, sealed) VALUES ('default', $1, $2, '\\x00', '\\x00')`, [datasetId, name]);
    await secret('d3', 'MQTT_PASSWORD');
    await secret(null, 'API_TOKEN');
    await secret(null, 'MQTT_TLS_CA');
    await secret(null, 'UNUSED');

    await applyMigrations(url);
    const names = await db.query<{ id: string; name: string; manifest_name: string }>(`SELECT id, name, manifest->>'name' AS manifest_name FROM dataset ORDER BY id`);
    expect(names.rows).toEqual([
      { id: 'd1', name: 'acme.temp', manifest_name: 'acme.temp' }, // "temp" was taken
      { id: 'd2', name: 'other.temp', manifest_name: 'other.temp' },
      { id: 'd3', name: 'temp', manifest_name: 'x' },
    ]);
    await expect(db.query(`UPDATE dataset SET name = 'a/b' WHERE id = 'd3'`)).rejects.toThrow(/dataset_name_is_odf_dataset_name/);
    // Bound to no broker: nothing is sent until a maintainer says where each secret goes.
    const bindings = await db.query<{ name: string; brokers: string[] }>(`SELECT name, brokers FROM secret ORDER BY name`);
    expect(Object.fromEntries(bindings.rows.map((r) => [r.name, r.brokers]))).toEqual({ API_TOKEN: [], MQTT_PASSWORD: [], MQTT_TLS_CA: [], UNUSED: [] });
    await db.end();
  });
});
