import { sha3Multihash, sha3Multihasher } from '../chain/hash';
import { chainBlocks, type HashedBlock, type MetadataEventJson } from '../chain/metadata-block';
import { joinSegments, type DeflateSegment } from '../data/deflate-segments';
import type { IngestStore, SliceCommit, StoredBlock, StoredRow, StoredSliceArrow } from './ports';
import { arrowSchemaKey, sliceArrowSegment } from './slice-arrow';
import { decodeSliceSegment } from './slice-arrow-reader';
import { encodeSliceLine, storedToSliceRow } from './slice-encoding';
import type { SliceLayout } from './slice-layout';

/** When the small slices at a chain's tail are merged. */
export interface CompactionOptions {
  enabled: boolean;
  /** Merge once a run of this many small slices formed (the merged slice goes on growing)… */
  minSlices: number;
  /** …and close a run at this many rows. A merged slice holds at most this many rows; a slice this large is never merged. */
  targetRows: number;
}

/**
 * A quiet stream (a commit per message or so) merges every 300 commits; at 5,000 msg/s every ~4 s
 * into slices of 20,000 rows. Larger would cost nothing here (a merge joins stored bytes), but a
 * reader that needs a few rows of a slice decodes all of it (a page starting inside it, a Ledger
 * confirming a key-hash hit).
 */
export const DEFAULT_COMPACTION: CompactionOptions = { enabled: true, minSlices: 300, targetRows: 20_000 };

export interface CompactionResult {
  /** The head after the merge (same offsets and watermark, fewer blocks). */
  head: { headHash: string; headSequence: number };
  /** Slices (and AddData blocks) replaced, and how many replaced them. */
  replaced: number;
  merged: number;
  rows: number;
}

/** The AddData fields a merge can carry over; a block with anything else (a checkpoint, source state) is left as it is. */
const MERGEABLE_FIELDS = new Set(['kind', 'prevOffset', 'newData', 'newWatermark']);

/**
 * A slice's record batches are kept as they are from this many rows on; smaller slices' rows are
 * encoded again together, up to SMALL_ROWS_BATCH rows a batch: a record batch costs ~250 bytes of
 * metadata compressed (a row ~12), so a run of one-row slices joined as is would take 20× the space.
 */
const KEEP_BATCH_ROWS = 200;
const SMALL_ROWS_BATCH = 2_000;

/** A committed slice the compactor may take into a run: its AddData block and, when this run committed it, its content. */
interface Candidate {
  /** Of its AddData block; moves down when a merge before it removes blocks. */
  sequence: number;
  offsetStart: bigint;
  offsetEnd: bigint;
  systemTime: Date;
  prevOffset?: number;
  newWatermark?: string;
  /** In memory for the slices this run committed; read from the store for those committed before it. */
  content?: { hash: string; size: number; rows: readonly StoredRow[]; canonical?: Uint8Array; segment: DeflateSegment; schemaKey: string };
}

type Member = Omit<Candidate, 'content'>;

/**
 * A run of adjacent small slices being merged: the SHA3 state over their canonical row bytes (the
 * merged slice's hash without reading them again) and their Arrow record batches, compressed, as
 * they will be joined. Holds about 12 bytes a row (at most `targetRows` rows) and up to
 * SMALL_ROWS_BATCH decoded rows.
 */
interface Run {
  members: Member[];
  rows: number;
  size: number;
  hasher: ReturnType<typeof sha3Multihasher>;
  parts: DeflateSegment[];
  /** Rows of small slices not yet encoded into a part. */
  small: StoredRow[];
  /** Full (targetRows) or followed by a slice it cannot take: merged once more at most, then dropped. */
  closed: boolean;
}

/**
 * Merges the small slices at the end of a dataset's chain (Kamu's hard compaction, limited to the
 * tail) off the commit path. A follow run hands it each slice it commits (`committed`); between
 * commits it takes them into the current run of adjacent slices one at a time (`takeInOne`: feeds
 * the canonical bytes the commit hashed to the run's hash — a slice committed before this run is
 * decoded, encoded again and checked against its hash — and keeps its compressed record batches),
 * and when a run is due, `mergeNext` replaces its blocks and slices by one block and one slice
 * whose Arrow segment is the run's record batches joined as stored. A merge decodes no row: a few
 * statements in one transaction.
 *
 * Contract: every row keeps its offset, op, system time, event time and data (a merged slice's
 * canonical bytes are its slices' bytes one after the other), so a reader's cached ranges stay
 * true and `verify` passes; the merged AddData keeps the first block's `prevOffset` and the last
 * one's watermark and system time; the blocks after the run keep their events and are linked
 * anew (as after Kamu's hard compaction the head's hash changes, the data does not). A merge runs
 * under the dataset's lease, compare-and-swapping the head, and only while no commit is in flight
 * (the follow run's loop calls it between commits).
 */
export class TailCompactor {
  /** Slices committed and not yet taken in, oldest first. */
  private readonly candidates: Candidate[] = [];
  /** Runs not yet merged (or still growing), oldest first; only the last may be open. */
  private readonly runs: Run[] = [];
  /** Set when a slice did not encode to its hash: this run stops compacting (verify tells which slice). */
  stoppedBy: Error | undefined;

  constructor(
    private readonly a: {
      store: IngestStore;
      datasetId: string;
      pullId: string;
      options: CompactionOptions;
      layout: () => SliceLayout | undefined;
      /** Called once, when a slice did not encode to its hash and this run stopped compacting. */
      onStopped?: (error: Error) => void;
    },
  ) {}

  /** Takes the small slices at the tail as committed before this run (load them before the run's first commit). */
  async start(): Promise<void> {
    const tail = await this.a.store.loadTailAddData(this.a.datasetId, 10_000);
    const run: Candidate[] = [];
    for (const b of tail) {
      const candidate = this.candidate(b.sequenceNumber, b.event, b.systemTime, b.offsetStart, b.offsetEnd);
      if (!candidate) break;
      run.push(candidate);
    }
    this.candidates.unshift(...run.reverse());
  }

  /** A commit of this run landed: its slice, if it added one, is a candidate. */
  committed(c: SliceCommit): void {
    const add = c.blocks.at(-1);
    if (!c.slice || !add) return;
    const candidate = this.candidate(add.block.sequenceNumber, add.block.event, c.systemTime, c.slice.offsetStart, c.slice.offsetEnd);
    // A slice that is no candidate (a full one) still ends the run before it: its block breaks the sequence.
    if (!candidate) return;
    const { hash, size, rows, canonical, arrow } = c.slice;
    candidate.content = { hash, size, rows, canonical, segment: arrow.segment, schemaKey: arrow.schemaKey };
    this.candidates.push(candidate);
  }

  /** Slices wait to be taken in. */
  get pending(): boolean {
    return !this.stoppedBy && this.candidates.length > 0 && this.a.layout() !== undefined;
  }

  /** A run is ready to be merged (`mergeNext`). */
  get mergeDue(): boolean {
    return !this.stoppedBy && this.runs.some((r) => r.members.length > 1 && (r.closed || r.members.length >= this.a.options.minSlices));
  }

  /** Takes the oldest candidate into the current run: the bounded step between commits. */
  async takeInOne(): Promise<void> {
    const layout = this.a.layout();
    const c = this.candidates[0];
    if (!layout || !c || this.stoppedBy) return;
    try {
      await this.takeIn(c, layout);
    } catch (err) {
      this.stoppedBy = err as Error;
      this.a.onStopped?.(this.stoppedBy);
    }
    this.candidates.shift();
  }

  /**
   * Merges the oldest due run (`final`: any run of two slices or more). Call only while no commit
   * is in flight, with the head as the last commit left it; returns the head after the merge.
   */
  async mergeNext(head: { headHash: string }, final = false): Promise<CompactionResult | undefined> {
    const { options } = this.a;
    const layout = this.a.layout();
    const i = this.runs.findIndex((r) => r.members.length > 1 && (final || r.closed || r.members.length >= options.minSlices));
    if (i < 0 || !layout || this.stoppedBy) return undefined;
    const run = this.runs[i];
    const first = run.members[0];
    const last = run.members.at(-1)!;
    const stored = await this.a.store.loadBlocksFrom(this.a.datasetId, first.sequence);
    assertRunAtTail(stored, run.members, head.headHash);
    const hash = run.hasher.digest();
    const event: MetadataEventJson = {
      kind: 'AddData',
      ...(first.prevOffset !== undefined ? { prevOffset: first.prevOffset } : {}),
      newData: { logicalHash: hash, physicalHash: hash, offsetInterval: { start: Number(first.offsetStart), end: Number(last.offsetEnd) }, size: run.size },
      ...(last.newWatermark !== undefined ? { newWatermark: last.newWatermark } : {}),
    };
    const blocks = relink({ hash: stored[0].prevHash!, sequenceNumber: first.sequence - 1 }, [{ event, systemTime: last.systemTime }, ...stored.slice(run.members.length)]);
    const segment = joinSegments(run.small.length ? [...run.parts, sliceArrowSegment(run.small, layout)] : run.parts);
    await this.a.store.replaceTail({
      datasetId: this.a.datasetId,
      pullId: this.a.pullId,
      expectedHeadHash: head.headHash,
      blocks,
      slice: { offsetStart: first.offsetStart, offsetEnd: last.offsetEnd, hash, size: run.size, arrow: { segment, schemaKey: arrowSchemaKey(layout) }, systemTime: last.systemTime },
      replacedSlices: run.members.length,
    });
    const removed = run.members.length - 1;
    run.members = [{ ...first, offsetEnd: last.offsetEnd, systemTime: last.systemTime, newWatermark: last.newWatermark }];
    if (run.closed) this.runs.splice(i, 1);
    for (const later of [...this.runs.slice(i).flatMap((r) => r.members), ...this.candidates]) if (later.sequence > first.sequence) later.sequence -= removed;
    const newHead = blocks.at(-1)!;
    return { head: { headHash: newHead.hash, headSequence: newHead.block.sequenceNumber }, replaced: removed + 1, merged: 1, rows: run.rows };
  }

  /** At the end of a follow run: every candidate taken in, every run of two slices or more merged. */
  async finish(head: { headHash: string }): Promise<CompactionResult[]> {
    while (this.pending) await this.takeInOne();
    this.closeOpenRun();
    const results: CompactionResult[] = [];
    for (let r = await this.mergeNext(head, true); r; r = await this.mergeNext(r.head, true)) results.push(r);
    return results;
  }

  private candidate(sequence: number, event: MetadataEventJson, systemTime: Date, offsetStart: bigint, offsetEnd: bigint): Candidate | undefined {
    const mergeable = event.kind === 'AddData' && event.newData !== undefined && Object.keys(event).every((k) => MERGEABLE_FIELDS.has(k));
    if (!mergeable || offsetEnd - offsetStart + 1n >= BigInt(this.a.options.targetRows)) return undefined;
    return { sequence, offsetStart, offsetEnd, systemTime, prevOffset: event.prevOffset as number | undefined, newWatermark: event.newWatermark as string | undefined };
  }

  private async takeIn(c: Candidate, layout: SliceLayout): Promise<void> {
    const content = c.content ?? storedContent(await this.a.store.loadSliceArrow(this.a.datasetId, c.offsetStart), layout);
    const { content: _, ...member } = c;
    let run = this.runs.at(-1);
    const rows = content?.rows.length ?? 0;
    const fits = run && !run.closed && run.members.at(-1)!.sequence + 1 === c.sequence && run.rows + rows <= this.a.options.targetRows;
    // Encoded in another layout (an older one), or gone: left as it is, between runs.
    if (!fits || !content || content.schemaKey !== arrowSchemaKey(layout)) this.closeOpenRun();
    if (!content || content.schemaKey !== arrowSchemaKey(layout)) return;
    const bytes = content.canonical ?? canonicalBytes(content, layout, c.offsetStart);
    if (!fits) {
      run = { members: [], rows: 0, size: 0, hasher: sha3Multihasher(), parts: [], small: [], closed: false };
      this.runs.push(run);
    }
    run = run!;
    run.members.push(member);
    run.rows += rows;
    run.size += bytes.length;
    run.hasher.update(bytes);
    if (rows >= KEEP_BATCH_ROWS) {
      this.flushSmall(run, layout);
      run.parts.push(content.segment);
    } else {
      run.small.push(...content.rows);
      if (run.small.length >= SMALL_ROWS_BATCH) this.flushSmall(run, layout);
    }
    if (run.rows >= this.a.options.targetRows) run.closed = true;
  }

  private flushSmall(run: Run, layout: SliceLayout): void {
    if (!run.small.length) return;
    run.parts.push(sliceArrowSegment(run.small, layout));
    run.small = [];
  }

  private closeOpenRun(): void {
    const run = this.runs.at(-1);
    if (!run || run.closed) return;
    run.closed = true;
    // A run of one slice (or one already merged) has nothing left to merge.
    if (run.members.length < 2) this.runs.pop();
  }
}

/** A slice's canonical bytes encoded again from its rows, checked against its hash (a merge must not carry a wrong one over). */
function canonicalBytes(content: NonNullable<Candidate['content']>, layout: SliceLayout, offsetStart: bigint): Uint8Array {
  const bytes = Buffer.from(content.rows.map((r) => encodeSliceLine(storedToSliceRow(r, layout), layout)).join(''), 'utf8');
  if (sha3Multihash(bytes) !== content.hash || bytes.length !== content.size) {
    throw new Error(`the slice at offset ${offsetStart} does not encode to its hash; compaction stopped (sluice verify tells more)`);
  }
  return bytes;
}

/** A slice committed before this run, decoded (its rows are needed for its canonical bytes). */
function storedContent(s: StoredSliceArrow | undefined, layout: SliceLayout): Candidate['content'] {
  if (!s || s.arrow.schemaKey !== arrowSchemaKey(layout)) return s && { hash: s.hash, size: s.size, rows: [], segment: s.arrow.segment, schemaKey: s.arrow.schemaKey };
  return { hash: s.hash, size: s.size, rows: decodeSliceSegment(s.arrow.segment, layout), segment: s.arrow.segment, schemaKey: s.arrow.schemaKey };
}

/** The store's blocks must be the run's AddData blocks, in order, then blocks up to the head this run knows. */
function assertRunAtTail(stored: StoredBlock[], members: Member[], headHash: string): void {
  const matches = members.every((m, k) => {
    const b = stored[k];
    const interval = (b?.event.newData as { offsetInterval?: { start: number; end: number } } | undefined)?.offsetInterval;
    return b?.event.kind === 'AddData' && b.sequenceNumber === m.sequence && interval?.start === Number(m.offsetStart) && interval.end === Number(m.offsetEnd);
  });
  if (!matches || stored[0].prevHash === null || stored.at(-1)!.hash !== headHash) {
    throw new Error('the chain does not end as this run committed it; nothing was compacted');
  }
}

/** Blocks chained after `prev`, each with its own system time. */
function relink(prev: { hash: string; sequenceNumber: number }, blocks: { event: MetadataEventJson; systemTime: Date }[]): HashedBlock[] {
  const out: HashedBlock[] = [];
  for (const b of blocks) {
    const [block] = chainBlocks(prev, [b.event], b.systemTime);
    out.push(block);
    prev = { hash: block.hash, sequenceNumber: block.block.sequenceNumber };
  }
  return out;
}
