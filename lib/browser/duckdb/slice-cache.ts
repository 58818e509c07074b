import { deleteDB, openDB, type IDBPDatabase } from 'idb';
import type { OffsetRange } from '@/lib/query/chunk-plan';

/**
 * Arrow streams of committed slice ranges, kept in IndexedDB so a revisit loads a dataset without
 * the network. Keys are `<scope>|<from>|<to>` where the scope names the workspace, dataset, dataset
 * instance and Arrow layout: committed data never changes, so nothing cached under a scope goes stale;
 * a replaced dataset or a new layout is a new scope, and the old one is dropped when seen.
 * Where IndexedDB is unavailable or full, loading simply goes to the network.
 */
export interface SliceCache {
  ranges(scope: string): Promise<OffsetRange[]>;
  get(scope: string, range: OffsetRange): Promise<Uint8Array | undefined>;
  put(scope: string, range: OffsetRange, ipc: Uint8Array): Promise<void>;
  delete(scope: string, range: OffsetRange): Promise<void>;
  /** Removes what is cached for `family` (a workspace/dataset prefix) under any other scope. */
  dropOtherScopes(family: string, keep: string): Promise<void>;
}

const DATABASE = 'sluice-query';
const STORE = 'slices';
let db: Promise<IDBPDatabase | undefined> | undefined;

function open(): Promise<IDBPDatabase | undefined> {
  db ??= typeof indexedDB === 'undefined'
    ? Promise.resolve(undefined)
    : openDB(DATABASE, 1, { upgrade: (d) => d.createObjectStore(STORE) }).catch(() => undefined);
  return db;
}

const key = (scope: string, r: OffsetRange) => `${scope}|${r.from}|${r.to}`;
const under = (prefix: string) => IDBKeyRange.bound(prefix, `${prefix}\uffff`);

export const sliceCache: SliceCache = {
  async ranges(scope) {
    const d = await open();
    if (!d) return [];
    const keys = (await d.getAllKeys(STORE, under(`${scope}|`))) as string[];
    return keys.map((k) => {
      const [to, from] = k.split('|').reverse();
      return { from: Number(from), to: Number(to) };
    });
  },
  async get(scope, range) {
    const bytes = (await (await open())?.get(STORE, key(scope, range))) as ArrayBuffer | undefined;
    return bytes && new Uint8Array(bytes);
  },
  async put(scope, range, ipc) {
    // Copied before any await: the caller hands `ipc` to DuckDB's worker next, which detaches it.
    const bytes = ipc.slice().buffer;
    try {
      await (await open())?.put(STORE, bytes, key(scope, range));
    } catch {
      // Quota exceeded or storage disabled: the data is loaded anyway, just not kept.
    }
  },
  async delete(scope, range) {
    await (await open())?.delete(STORE, key(scope, range));
  },
  async dropOtherScopes(family, keep) {
    const d = await open();
    if (!d) return;
    const tx = d.transaction(STORE, 'readwrite');
    for (const k of (await tx.store.getAllKeys(under(`${family}|`))) as string[]) if (!k.startsWith(`${keep}|`)) await tx.store.delete(k);
    await tx.done;
  },
};

/** Signing out leaves no workspace data behind in this browser. */
export async function clearSliceCache(): Promise<void> {
  const d = await db;
  d?.close();
  db = undefined;
  if (typeof indexedDB === 'undefined') return;
  // Another open tab blocks the deletion until it closes; sign-out does not wait for that.
  await Promise.race([deleteDB(DATABASE).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000))]);
}
