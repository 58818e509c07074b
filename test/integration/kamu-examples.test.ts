/**
 * Kamu's own manifests (207 DatasetSnapshot documents from Kamu's public repositories, beside the
 * repository in ../shared/kamu-examples): ONE `sluice add -r` adds every one Kamu accepts and refuses
 * every other one with line and column; every added one comes back from the store semantically
 * unchanged (read in-process; two through `sluice manifest` as a user would).
 *
 * Several examples share a dataset name (a demo and its copy in the docs), so the add uses
 * --replace: each is added, the last of a name stays. The ones replaced are added again in-process,
 * each into a workspace of its own, to be read back from the store too.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { datasetKey } from '../../lib/datasets/dataset-key';
import { parseManifest, serializeManifest, splitDatasetAlias, type DatasetSnapshot } from '../../lib/odf';
import { openStore, type Store } from '../../lib/store/open-store';
import { sluice } from '../support/cli';
import { createTestDatabase, TEST_SECRET_KEY } from '../support/test-store';

/** ../shared/kamu-examples beside the repository (a clone in CI), or beside its worktrees' folder. */
function examplesDir(): string {
  const root = path.resolve(import.meta.dirname, '../..');
  const found = [path.join(root, '../shared/kamu-examples'), path.join(root, '../../shared/kamu-examples')].find((d) => fs.existsSync(path.join(d, 'index.json')));
  if (!found) throw new Error(`Kamu's examples are not beside the repository: expected ${path.join(root, '../shared/kamu-examples')}`);
  return found;
}

const PRE_1_0 = 'a pre-1.0 manifest format Kamu no longer reads';
const EXCERPT = 'a documentation excerpt with "..." placeholders, not a whole manifest';
/** Every example Kamu itself refuses, why, and the first line and column Sluice reports. */
const KAMU_REFUSES: Record<string, { reason: string; at: string }> = {
  'kamu-cli__images__demo__user-home__01_-_Kamu_Basics_(COVID-19_example)__02_-_Collaboration.ipynb__part2.yaml': { reason: `${PRE_1_0} (content.id instead of name)`, at: 'line 3, column 1' },
  'kamu-cli__images__demo__user-home__02_-_Web3_Data_(Ethereum_trading_example)__01_-_Working_with_Web3_data.ipynb__part2.yaml': { reason: EXCERPT, at: 'line 19, column 16' },
  'kamu-contrib__com.github__github_social_metrics.ipynb__part1.yaml': { reason: 'a notebook excerpt cut off after its fetch step (no read, no merge)', at: 'line 7, column 7' },
  'kamu-demos__2021-11-opencovid-ca__datasets__canada.case-details.yaml': { reason: `${PRE_1_0} (inputs[].name instead of datasetRef)`, at: 'line 11, column 11' },
  'kamu-demos__2021-11-opencovid-ca__datasets__canada.daily-cases.yaml': { reason: `${PRE_1_0} (inputs[].name)`, at: 'line 9, column 11' },
  'kamu-demos__2022-08-protocol-labs-codwg__datasets__account.balance.yaml': { reason: `${PRE_1_0} (inputs[].name)`, at: 'line 9, column 11' },
  'kamu-demos__2022-08-protocol-labs-codwg__datasets__account.market-value.usd.yaml': { reason: `${PRE_1_0} (inputs[].name)`, at: 'line 9, column 11' },
  'kamu-demos__2022-08-protocol-labs-codwg__datasets__account.transactions.yaml': { reason: `${PRE_1_0} (read.kind jsonLines)`, at: 'line 26, column 15' },
  'kamu-demos__2022-08-protocol-labs-codwg__datasets__com.cryptocompare.ohlcv.eth-usd.yaml': { reason: `${PRE_1_0} (read.kind jsonLines)`, at: 'line 13, column 15' },
  'kamu-demos__2022-12-dell-technology-forum__ingest__datasets__player-scores-total.yaml': { reason: `${PRE_1_0} (inputs[].name)`, at: 'line 9, column 11' },
  'kamu-demos__2022-12-dell-technology-forum__ingest__datasets__player-scores.yaml': { reason: `${PRE_1_0} (inputs[].name)`, at: 'line 9, column 11' },
  'kamu-docs__cli__ingest__merge-strategies.md__part1.yaml': { reason: EXCERPT, at: 'line 8, column 7' },
  'kamu-docs__cli__ingest__merge-strategies.md__part2.yaml': { reason: EXCERPT, at: 'line 13, column 7' },
  'kamu-docs__cli__quick-start.md__part2.yaml': { reason: EXCERPT, at: 'line 3, column 10' },
  'kamu-docs__odf__rfcs__004-metadata-extensibility.md__part1.yaml': { reason: EXCERPT, at: 'line 8, column 14' },
  'kamu-docs__odf__rfcs__005-dataset-annotations.md__part1.yaml': { reason: EXCERPT, at: 'line 8, column 7' },
  'open-data-fabric__rfcs__004-metadata-extensibility.md__part1.yaml': { reason: EXCERPT, at: 'line 8, column 14' },
  'open-data-fabric__rfcs__005-dataset-annotations.md__part1.yaml': { reason: EXCERPT, at: 'line 8, column 7' },
};

let db: string;
let store: Store;
let dir: string;
let files: string[];

beforeAll(async () => {
  dir = path.join(examplesDir(), 'manifests');
  files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  db = await createTestDatabase();
  store = await openStore({ databaseUrl: db, secretKey: TEST_SECRET_KEY });
  // One example (a Kamu serde test) names account "a": its workspace must exist for it to be added.
  const c = new pg.Client({ connectionString: db });
  await c.connect();
  await c.query(`INSERT INTO workspace (id, name, slug) VALUES ('a-id', 'A', 'a')`);
  await c.end();
});
afterAll(() => store?.close());

/** The manifest of a file as Kamu reads it, named as the store keeps it (without `account/`). */
function expectedSnapshot(file: string): { account?: string; snapshot: DatasetSnapshot } {
  const snapshot = parseManifest(fs.readFileSync(path.join(dir, file), 'utf8'));
  const { account, name } = splitDatasetAlias(snapshot.name);
  return { account, snapshot: { ...snapshot, name } };
}

/** What `sluice manifest` prints, read back as a manifest: the semantic content. */
const roundTrip = (s: DatasetSnapshot) => parseManifest(serializeManifest(s));

describe("[KAMU] every Kamu manifest in the wild, through `sluice add -r` and back", () => {
  it('adds each one Kamu accepts, refuses each one Kamu refuses with line and column, and gives each back unchanged', async () => {
    const added = await sluice(db, 'add', '--replace', '-r', dir);
    const refusedLines = added.stderr.split('\n').filter((l) => l.includes(': refused: '));
    const refused = new Map(refusedLines.map((l) => [path.basename(l.slice(0, l.indexOf(': refused: '))), l]));
    const accepted = files.filter((f) => !(f in KAMU_REFUSES));

    expect([...refused.keys()].sort()).toEqual(Object.keys(KAMU_REFUSES).sort());
    for (const [file, { at }] of Object.entries(KAMU_REFUSES)) {
      const lines = added.stderr.slice(added.stderr.indexOf(refused.get(file)!)).split('\n');
      expect(lines[1], file).toMatch(new RegExp(`^  ${at}: \\S`));
    }
    expect(added.stdout.split('\n').filter((l) => l.startsWith('added '))).toHaveLength(accepted.length);
    expect(added.stderr).toContain(`${accepted.length} added, ${refused.size} refused (of ${files.length} manifests)\n`);
    expect(added.code).toBe(65);

    // Two read back by the real CLI (while the rest is read in-process): Kamu's MQTT example, and the one placed in account "a".
    const viaCli = Promise.all([sluice(db, 'manifest', 'temp'), sluice(db, 'manifest', 'a/com.naturalearthdata.admin0')]);

    // The last example of each name is the stored dataset; the ones it replaced go to workspaces of their own.
    const byKey = new Map<string, string[]>();
    for (const file of accepted) {
      const { account, snapshot } = expectedSnapshot(file);
      const key = `${account ?? 'default'}/${snapshot.name}`;
      byKey.set(key, [...(byKey.get(key) ?? []), file]);
    }
    let checked = 0;
    for (const [key, sameName] of byKey) {
      const [slug] = key.split('/');
      const workspaceId = slug === 'a' ? 'a-id' : 'default';
      const last = expectedSnapshot(sameName.at(-1)!).snapshot;
      const stored = await store.datasets.find(datasetKey(workspaceId, last.name));
      expect(stored, sameName.at(-1)).toBeDefined();
      expect(roundTrip(stored!.snapshot), sameName.at(-1)).toEqual(last);
      checked++;
      for (const [i, file] of sameName.slice(0, -1).entries()) {
        const id = `replaced-${i}`;
        if (!(await store.workspaces.bySlug(id))) await store.prisma.organization.create({ data: { id, name: id, slug: id } });
        const { snapshot } = expectedSnapshot(file);
        const ds = await addDataset({ store, manifest: serializeManifest(snapshot), workspaceFor: async () => ({ id, slug: id }) });
        expect(roundTrip((await store.datasets.find(ds.key))!.snapshot), file).toEqual(snapshot);
        checked++;
      }
    }
    expect(checked).toBe(accepted.length);

    const [temp, accountA] = await viaCli;
    expect(parseManifest(temp.stdout)).toEqual(expectedSnapshot('kamu-cli__examples__mqtt__temp.yaml').snapshot);
    expect(parseManifest(accountA.stdout)).toEqual(expectedSnapshot('kamu-cli__src__odf__metadata__tests__tests__test_serde_yaml.rs__part3.yaml').snapshot);
  });
});
