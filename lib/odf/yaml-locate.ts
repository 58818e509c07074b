/**
 * Maps a path in the parsed manifest value back to a source offset in the YAML document, so that an issue
 * found on the plain JS value can say "line 12, column 9".
 */
import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';

/**
 * Source offset for `path`:
 * - the value node when the whole path exists (or the key node with `atKey`, for unknown keys);
 * - for a key that is absent (a missing required field), the key naming the mapping that lacks it
 *   (`fetch:`), or the mapping itself when it has no key (a list item or the document root);
 * - when the path continues inside a scalar (a short form such as `type: String` validated as
 *   `type.kind`), that scalar.
 */
export function locatePath(doc: Document, path: readonly PropertyKey[], { atKey = false } = {}): number {
  let node = doc.contents as Node | null;
  let ownerKey: Node | null = null;
  for (const [i, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return start(ownerKey ?? node);
      const key = pair.key as Node;
      const value = pair.value as Node | null;
      if (atKey && i === path.length - 1) return start(key);
      // An empty value (`fetch:`) has no useful position of its own: point at its key.
      if (value === null || (isScalar(value) && value.value === null)) return start(key);
      ownerKey = key;
      node = value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
      ownerKey = null;
      node = node.items[segment] as Node;
    } else {
      break;
    }
  }
  return start(node);
}

function start(node: Node | null): number {
  return node?.range?.[0] ?? 0;
}
