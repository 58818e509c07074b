/**
 * Duplicate mapping keys, found in linear time. yaml's own `uniqueKeys` check compares each key with every
 * earlier key of its mapping — quadratic, 147 s for one mapping of 70,000 keys — so `parseManifest` turns it
 * off and calls this instead: one Set per mapping. Kamu (serde) refuses a repeated field, so Sluice does too,
 * rather than silently keeping the last value.
 */
import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';

/** A key that repeats an earlier key of the same mapping; offsets are into the manifest text. */
export interface DuplicateKey {
  /** Path to the repeated key in the manifest value, as issues report paths. */
  path: (string | number)[];
  offset: number;
  firstOffset: number;
}

/**
 * Every repeated key in `doc`, in document order. Two keys are the same when both are scalars with the same
 * value (yaml's rule: `1` and `"1"` differ, as number and string). Keys that are collections or aliases are
 * compared by identity, as yaml does, so never repeat. Recursion is bounded by `MANIFEST_LIMITS.depth`.
 */
export function findDuplicateKeys(doc: Document): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const path: (string | number)[] = [];

  const walk = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const segment = isScalar(key) ? String(key.value) : String(key);
        if (isScalar(key)) {
          const identity = `${typeof key.value}:${segment}`;
          const offset = key.range?.[0] ?? 0;
          const firstOffset = seen.get(identity);
          if (firstOffset === undefined) seen.set(identity, offset);
          else found.push({ path: [...path, segment], offset, firstOffset });
        }
        path.push(segment);
        walk(pair.value);
        path.pop();
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        path.push(index);
        walk(item);
        path.pop();
      });
    }
  };
  walk(doc.contents);
  return found;
}
