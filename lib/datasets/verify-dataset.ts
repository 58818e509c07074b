import { hashBlock, type MetadataBlock } from '../chain/metadata-block';
import type { Store } from '../store/open-store';
import { encodeSliceLine, hashSlice, storedToSliceRow } from '../ingest/slice-encoding';
import { committedLayout, getDatasetOrThrow } from './dataset-layout';
import type { DatasetKey } from './dataset-key';
import { datasetDeliveryGuarantee, type DeliveryGuarantee } from '../ingest/delivery-guarantee';

export interface VerifyReport {
  blocks: number;
  slices: number;
  rows: number;
  problems: string[];
  /** What the dataset can promise about delivery, given the broker's grants and the merge. */
  guarantee: DeliveryGuarantee | undefined;
}

/**
 * Re-hashes every block and every slice of a dataset and checks the links: block hashes, prev
 * links and sequence numbers, head, AddData ↔ slice hashes and offsets (contiguous from 0).
 */
export async function verifyDataset(store: Store, dataset: DatasetKey): Promise<VerifyReport> {
  const ds = await getDatasetOrThrow(store.datasets, dataset);
  // As of one instant: a streaming run may commit and compact while the dataset is read.
  return store.datasets.chainSnapshot(ds.id, ds.num, async ({ blocks, headHash, nextOffset, dataSchema, slices, rows: readRows }) => {
    const problems: string[] = [];
    let prev: string | undefined;
    const addData = new Map<number, { hash: string; end: number; size: number }>();
    blocks.forEach((b, i) => {
      const block: MetadataBlock = {
        systemTime: b.systemTime.toISOString(),
        ...(b.prevHash ? { prevBlockHash: b.prevHash } : {}),
        sequenceNumber: b.sequenceNumber,
        event: b.event,
      };
      if (b.sequenceNumber !== i) problems.push(`block ${i}: sequence number is ${b.sequenceNumber}`);
      if ((b.prevHash ?? undefined) !== prev) problems.push(`block ${i}: prevBlockHash ${b.prevHash} does not link to ${prev}`);
      if (hashBlock(block) !== b.hash) problems.push(`block ${i}: hash ${b.hash} does not match its content`);
      if (b.event.kind === 'AddData' && b.event.newData) {
        const nd = b.event.newData as { physicalHash: string; offsetInterval: { start: number; end: number }; size: number };
        addData.set(nd.offsetInterval.start, { hash: nd.physicalHash, end: nd.offsetInterval.end, size: nd.size });
      }
      prev = b.hash;
    });
    if (prev !== headHash) problems.push(`head ${headHash} is not the last block ${prev}`);

    const layout = committedLayout({ snapshot: ds.snapshot, dataSchema });
    if (!layout && slices.length) problems.push('the dataset has slices but no data schema to read them with');
    let expectedStart = 0n;
    let rows = 0;
    // Each slice's rows, decoded from its stored segment: one batch per slice, in offset order.
    const batches = layout ? readRows()[Symbol.asyncIterator]() : undefined;
    for (const s of slices) {
      const label = `slice [${s.offsetStart}, ${s.offsetEnd}]`;
      if (s.offsetStart !== expectedStart) problems.push(`${label}: expected to start at offset ${expectedStart}`);
      expectedStart = s.offsetEnd + 1n;
      const block = addData.get(Number(s.offsetStart));
      if (!block || block.hash !== s.hash || BigInt(block.end) !== s.offsetEnd || block.size !== s.size) {
        problems.push(`${label}: no AddData block records this slice's hash, offsets and size`);
      }
      if (!layout || !batches) continue;
      const batch = await batches.next();
      const lines = batch.done ? [] : batch.value.map((r) => encodeSliceLine(storedToSliceRow(r, layout), layout));
      rows += lines.length;
      if (BigInt(lines.length) !== s.offsetEnd - s.offsetStart + 1n) problems.push(`${label}: holds ${lines.length} rows`);
      const { hash, size } = hashSlice(lines);
      if (hash !== s.hash || size !== s.size) problems.push(`${label}: content hashes to ${hash} (${size} bytes), recorded ${s.hash} (${s.size} bytes)`);
    }
    if (expectedStart !== nextOffset) problems.push(`slices end at offset ${expectedStart - 1n} but the dataset records ${nextOffset} rows`);
    if (addData.size !== slices.length) problems.push(`${addData.size} AddData blocks but ${slices.length} slices`);
    return { blocks: blocks.length, slices: slices.length, rows, problems, guarantee: datasetDeliveryGuarantee(ds.snapshot, ds.sessionTopics) };
  });
}
