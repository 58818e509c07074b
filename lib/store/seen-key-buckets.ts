import type pg from 'pg';
import type { SeenKeyGroup } from '../ingest/ports';

/**
 * Ledger's seen keys on disk: buckets over a 64-bit position space.
 *
 * Every seen key has a position (a signed 64-bit number, lib/ingest/seen-keys.ts: its event time
 * then its hash, or its hash alone) and is one 10-byte entry — the position's low 48 bits
 * (big-endian) and the ordinal of the seen-key group (batch) that holds its row — in the bucket
 * whose range holds the position. A bucket is one `seen_key_bucket` row (dataset_num, lo, entries):
 * it holds positions from `lo` up to the next bucket's `lo`, all less than `lo + 2^48` (SPAN), so
 * an entry's full position is `lo` plus its low 48 bits' distance above `lo`'s (positionAt). Equal
 * positions share a bucket. A lookup descends the primary key once per probe and reads that
 * probe's bucket; an append adds to the buckets of its keys and splits those that outgrow
 * BUCKET_BYTES; a position no bucket covers starts a bucket of its own.
 *
 * Keys ordered by time land, batch after batch, in the newest buckets: a commit onto ten million
 * seen keys touches the same few pages as one onto none (bench:ingest's history section).
 *
 * Collisions: an entry says only "a key at this position was seen in this batch". The engine
 * confirms every hit against that batch's rows before it drops a row (seen-keys.ts), so a
 * collision costs one read of a batch's rows and can never drop a new row.
 */

const ENTRY = 10;
const SPAN = 2n ** 48n;
const LOW48 = SPAN - 1n;
/** Under the ~2 kB at which Postgres moves a value to TOAST, and small enough that a split or an append rewrites little. */
const BUCKET_BYTES = 1024;
/** A split leaves buckets two-thirds full, so the next appends rarely split them again at once. */
const SPLIT_ENTRIES = Math.floor((BUCKET_BYTES / ENTRY) * (2 / 3));

interface Entry {
  position: bigint;
  ordinal: number;
}

/**
 * Records the keys of `group` (its `seen_key_group` row and one entry per position) in the commit's transaction.
 *
 * Positions from the newest bucket's `lo` on — a Ledger's new keys, in time order — are placed here
 * against that bucket, read once: the newest bucket covers them, or none does. Only the others
 * (late or redelivered keys, or keys in hash order) look their bucket up one by one in Postgres,
 * which cost ~25 µs a position there (a batch's whole append was the heaviest statement of a pull).
 */
export async function appendSeenKeys(db: pg.ClientBase, datasetNum: number, group: SeenKeyGroup): Promise<void> {
  if (group.positions.length === 0) return;
  const { rows: added } = await db.query<{ ordinal: number }>(
    `INSERT INTO seen_key_group (dataset_num, offset_start, row_count, ordinal)
     SELECT $1, $2, $3, coalesce(max(ordinal) + 1, 0) FROM seen_key_group WHERE dataset_num = $1 RETURNING ordinal`,
    [datasetNum, group.offsetStart.toString(), group.rowCount],
  );
  const ordinal = added[0].ordinal;
  const newest = await newestBucket(db, datasetNum);
  const older: bigint[] = [];
  const tail: Entry[] = [];
  const uncovered: Entry[] = [];
  for (const position of group.positions) {
    if (newest && position < newest.lo) older.push(position);
    else if (newest && position - newest.lo < SPAN) tail.push({ position, ordinal });
    else uncovered.push({ position, ordinal });
  }
  const pieces: { lo: bigint; entries: Entry[] }[] = [];
  if (tail.length) {
    const entries = [...entriesOf(newest!.lo, newest!.entries), ...tail];
    // As a bucket grows by an append in Postgres (below): split only past BUCKET_BYTES.
    pieces.push(...(entries.length * ENTRY <= BUCKET_BYTES ? [{ lo: newest!.lo, entries }] : bucketsOf(entries, newest!.lo)));
  }
  if (older.length) {
    const ordinalBytes = Buffer.alloc(4);
    ordinalBytes.writeUInt32BE(ordinal);
    // Appends to every bucket the batch's entries fit in. The others come back, with what they
    // would hold, to be split here, and so do the positions no bucket covers (lo null).
    const { rows: rest } = await db.query<{ lo: string | null; entries: Buffer | null; added: Buffer }>(
      `WITH n AS (
         SELECT (SELECT b.lo FROM seen_key_bucket b WHERE b.dataset_num = $1 AND b.lo <= p.s AND b.lo > p.s - ${SPAN} ORDER BY b.lo DESC LIMIT 1) AS lo, p.s
         FROM unnest($2::bigint[]) AS p(s)),
       a AS (SELECT lo, string_agg(substring(int8send(s) FROM 3 FOR 6) || $3::bytea, ''::bytea) AS added FROM n WHERE lo IS NOT NULL GROUP BY lo),
       u AS (UPDATE seen_key_bucket b SET entries = b.entries || a.added FROM a
             WHERE b.dataset_num = $1 AND b.lo = a.lo AND length(b.entries) + length(a.added) <= $4 RETURNING b.lo)
       SELECT a.lo::text AS lo, b.entries, a.added FROM a JOIN seen_key_bucket b ON b.dataset_num = $1 AND b.lo = a.lo
       WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.lo = a.lo)
       UNION ALL
       SELECT NULL, NULL, string_agg(int8send(s), ''::bytea) FROM n WHERE lo IS NULL HAVING count(*) > 0`,
      [datasetNum, bigintArrayText(older), ordinalBytes, BUCKET_BYTES],
    );
    for (const b of rest) {
      if (b.lo === null) {
        for (let at = 0; at < b.added.length; at += 8) uncovered.push({ position: b.added.readBigInt64BE(at), ordinal });
      } else {
        const lo = BigInt(b.lo);
        pieces.push(...bucketsOf([...entriesOf(lo, b.entries!), ...entriesOf(lo, b.added)], lo));
      }
    }
  }
  // Uncovered positions older than the newest bucket and newer than its span are more than a span
  // apart: bucketsOf cuts between them as it would cut each set alone.
  if (uncovered.length) pieces.push(...bucketsOf(uncovered));
  if (pieces.length === 0) return;
  await db.query(
    `INSERT INTO seen_key_bucket (dataset_num, lo, entries) SELECT $1, * FROM unnest($2::bigint[], $3::bytea[])
     ON CONFLICT (dataset_num, lo) DO UPDATE SET entries = EXCLUDED.entries`,
    [datasetNum, bigintArrayText(pieces.map((p) => p.lo)), pieces.map((p) => encodeEntries(p.entries))],
  );
}

/**
 * The bucket with the highest `lo`: it holds the dataset's highest positions. `ORDER BY b.lo`, the
 * column: a bare `lo` named the `lo::text` output, so buckets were ordered as text (a full scan
 * and sort, ~21,000 pages at 10 million keys) and "999…" (14 digits) came after "100…" (15): the
 * lookup then skipped every position above the wrong bucket and let those keys in again.
 */
async function newestBucket(db: pg.Pool | pg.ClientBase, datasetNum: number): Promise<{ lo: bigint; entries: Buffer } | undefined> {
  const { rows } = await db.query<{ lo: string; entries: Buffer }>('SELECT b.lo::text AS lo, b.entries FROM seen_key_bucket b WHERE b.dataset_num = $1 ORDER BY b.lo DESC LIMIT 1', [datasetNum]);
  return rows[0] && { lo: BigInt(rows[0].lo), entries: rows[0].entries };
}

/** The full position of the entry at `at` in a bucket starting at `lo`. */
function positionAt(lo: bigint, entries: Buffer, at: number): bigint {
  const low = BigInt(entries.readUIntBE(at, 6));
  return lo + ((low - (lo & LOW48) + SPAN) & LOW48);
}

function entriesOf(lo: bigint, entries: Buffer): Entry[] {
  const out: Entry[] = [];
  for (let at = 0; at < entries.length; at += ENTRY) out.push({ position: positionAt(lo, entries, at), ordinal: entries.readUInt32BE(at + 6) });
  return out;
}

function encodeEntries(entries: readonly Entry[]): Buffer {
  const out = Buffer.allocUnsafe(entries.length * ENTRY);
  entries.forEach((e, i) => {
    out.writeUIntBE(Number(e.position & LOW48), i * ENTRY, 6);
    out.writeUInt32BE(e.ordinal, i * ENTRY + 6);
  });
  return out;
}

/**
 * `entries` as buckets of at most SPLIT_ENTRIES entries (more only where one position repeats
 * past it), in position order, each spanning less than SPAN; the first starts at `lo` (an
 * existing bucket's, which the first keeps) or at its lowest position, each other at its lowest.
 */
export function bucketsOf(entries: Entry[], lo?: bigint): { lo: bigint; entries: Entry[] }[] {
  entries.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
  const pieces: { lo: bigint; entries: Entry[] }[] = [];
  let start = 0;
  while (start < entries.length) {
    const from = pieces.length === 0 && lo !== undefined ? lo : entries[start].position;
    let end = start + 1;
    while (end < entries.length && entries[end].position - from < SPAN && (end - start < SPLIT_ENTRIES || entries[end].position === entries[end - 1].position)) end++;
    pieces.push({ lo: from, entries: entries.slice(start, end) });
    start = end;
  }
  return pieces;
}

/**
 * The seen-key groups holding any of `positions`, each with the positions of it that were probed.
 * One primary-key descent per probe to its bucket; `position` (a byte search in C) keeps only the
 * buckets where a probe's low 48 bits occur, and only those travel back to be decoded here.
 */
export async function findSeenKeyGroups(pool: pg.Pool, datasetNum: number, all: bigint[]): Promise<SeenKeyGroup[]> {
  // Past the newest bucket's highest position nothing was seen: a Ledger's new keys, in time order,
  // are not looked up one by one (appendSeenKeys says what that costs).
  const newest = all.length ? await newestBucket(pool, datasetNum) : undefined;
  if (!newest) return [];
  let highest = newest.lo;
  for (let at = 0; at < newest.entries.length; at += ENTRY) {
    const p = positionAt(newest.lo, newest.entries, at);
    if (p > highest) highest = p;
  }
  const positions = all.filter((p) => p <= highest);
  if (positions.length === 0) return [];
  const { rows: buckets } = await pool.query<{ lo: string; entries: Buffer }>(
    `SELECT DISTINCT b.lo::text AS lo, b.entries FROM unnest($2::bigint[]) AS p(s)
     CROSS JOIN LATERAL (SELECT lo, entries FROM seen_key_bucket WHERE dataset_num = $1 AND lo <= p.s ORDER BY lo DESC LIMIT 1) b
     WHERE b.lo > p.s - ${SPAN} AND position(substring(int8send(p.s) FROM 3 FOR 6) IN b.entries) > 0`,
    [datasetNum, bigintArrayText(positions)],
  );
  if (buckets.length === 0) return [];
  const probed = new Set(positions);
  const byGroup = new Map<number, Set<bigint>>();
  for (const b of buckets) {
    // A byte match may straddle two entries, or be another position of the bucket: decoded, only equal positions count.
    for (const e of entriesOf(BigInt(b.lo), b.entries)) {
      if (!probed.has(e.position)) continue;
      const group = byGroup.get(e.ordinal) ?? new Set();
      group.add(e.position);
      byGroup.set(e.ordinal, group);
    }
  }
  if (byGroup.size === 0) return [];
  const { rows: groups } = await pool.query<{ ordinal: number; offset_start: string; row_count: number }>(
    'SELECT ordinal, offset_start::text AS offset_start, row_count FROM seen_key_group WHERE dataset_num = $1 AND ordinal = ANY($2::int[])',
    [datasetNum, [...byGroup.keys()]],
  );
  return groups.map((g) => ({ offsetStart: BigInt(g.offset_start), rowCount: g.row_count, positions: BigInt64Array.from(byGroup.get(g.ordinal)!) }));
}

/** Postgres array text for bigints: `{1,-2,3}` (cheaper than pg's per-element array encoding). */
function bigintArrayText(values: Iterable<bigint>): string {
  return `{${[...values].join(',')}}`;
}

/**
 * Replaces a dataset's seen keys with `groups` (numbered from 0) in one pass: the bucket bounds
 * come from all the positions sorted, every entry is placed by binary search, and each bucket is
 * written once, two-thirds full, as splits leave them — no bucket is rewritten, so a rebuild of
 * ten million keys takes seconds and leaves no dead versions behind.
 */
export async function replaceSeenKeys(db: pg.ClientBase, datasetNum: number, groups: readonly SeenKeyGroup[]): Promise<void> {
  await db.query('DELETE FROM seen_key_group WHERE dataset_num = $1', [datasetNum]);
  await db.query('DELETE FROM seen_key_bucket WHERE dataset_num = $1', [datasetNum]);
  const kept = groups.filter((g) => g.positions.length > 0);
  if (kept.length === 0) return;
  await db.query(
    'INSERT INTO seen_key_group (dataset_num, offset_start, row_count, ordinal) SELECT $1, o, n, i - 1 FROM unnest($2::bigint[], $3::int[]) WITH ORDINALITY AS g(o, n, i)',
    [datasetNum, bigintArrayText(kept.map((g) => g.offsetStart)), kept.map((g) => g.rowCount)],
  );
  const all = new BigInt64Array(kept.reduce((n, g) => n + g.positions.length, 0));
  let at = 0;
  for (const g of kept) {
    all.set(g.positions, at);
    at += g.positions.length;
  }
  all.sort();
  // Bucket i holds the positions from los[i]: the same bounds bucketsOf draws.
  const bounds: bigint[] = [];
  let inBucket = 0;
  for (let i = 0; i < all.length; i++) {
    const p = all[i];
    if (i === 0 || (p !== all[i - 1] && (inBucket >= SPLIT_ENTRIES || p - bounds[bounds.length - 1] >= SPAN))) {
      bounds.push(p);
      inBucket = 0;
    }
    inBucket++;
  }
  const los = BigInt64Array.from(bounds);
  const bucketOf = (p: bigint) => {
    let lo = 0;
    let hi = los.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (los[mid] <= p) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const counts = new Uint32Array(los.length);
  const placed = kept.map((g) =>
    Uint32Array.from(g.positions, (p) => {
      const b = bucketOf(p);
      counts[b]++;
      return b;
    }),
  );
  const buffers = Array.from(counts, (n) => Buffer.allocUnsafe(n * ENTRY));
  const filled = new Uint32Array(los.length);
  kept.forEach((g, ordinal) => {
    g.positions.forEach((p, i) => {
      const b = placed[ordinal][i];
      const offset = filled[b]++ * ENTRY;
      buffers[b].writeUIntBE(Number(p & LOW48), offset, 6);
      buffers[b].writeUInt32BE(ordinal, offset + 6);
    });
  });
  const ROWS_PER_INSERT = 5000;
  for (let i = 0; i < los.length; i += ROWS_PER_INSERT) {
    await db.query('INSERT INTO seen_key_bucket (dataset_num, lo, entries) SELECT $1, * FROM unnest($2::bigint[], $3::bytea[])', [
      datasetNum,
      bigintArrayText(los.subarray(i, i + ROWS_PER_INSERT)),
      buffers.slice(i, i + ROWS_PER_INSERT),
    ]);
  }
  // Statistics for the planner at once, not when autovacuum next looks: without them the first
  // pulls after a rebuild of millions of keys planned their bucket joins as scans (measured: an
  // append of 2,500 keys onto 10,000,000 took 480 ms before ANALYZE, 170 ms after).
  await db.query('ANALYZE seen_key_bucket');
}
