import { canonicalJson } from '../data/canonical-json';
import { sha3Multihash } from './hash';

/**
 * A metadata block as ODF defines it: `{systemTime, prevBlockHash?, sequenceNumber, event}`.
 *
 * Block hash (Sluice's documented encoding; not byte-compatible with Kamu's FlatBuffers hashes):
 * sha3Multihash(canonicalJson({kind: "MetadataBlock", version: 3, content: block})), i.e. the
 * block wrapped in its manifest envelope, serialised with `canonical-json.ts`, systemTime as
 * RFC 3339 with milliseconds.
 */
export interface MetadataBlock {
  systemTime: string;
  prevBlockHash?: string;
  sequenceNumber: number;
  event: MetadataEventJson;
}

/** A metadata event as plain JSON in ODF's camelCase shape, tagged by `kind`. */
export type MetadataEventJson = { kind: string } & Record<string, unknown>;

export interface HashedBlock {
  hash: string;
  block: MetadataBlock;
}

export function hashBlock(block: MetadataBlock): string {
  return sha3Multihash(canonicalJson({ kind: 'MetadataBlock', version: 3, content: block }));
}

/** Appends events after `head` (or starts a chain when head is undefined), linking each block to the last. */
export function chainBlocks(
  head: { hash: string; sequenceNumber: number } | undefined,
  events: MetadataEventJson[],
  systemTime: Date,
): HashedBlock[] {
  const out: HashedBlock[] = [];
  let prev = head;
  for (const event of events) {
    const block: MetadataBlock = {
      systemTime: systemTime.toISOString(),
      ...(prev ? { prevBlockHash: prev.hash } : {}),
      sequenceNumber: prev ? prev.sequenceNumber + 1 : 0,
      event,
    };
    const hash = hashBlock(block);
    out.push({ hash, block });
    prev = { hash, sequenceNumber: block.sequenceNumber };
  }
  return out;
}
