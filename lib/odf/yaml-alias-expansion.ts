/**
 * How much a document grows when its aliases are expanded. yaml's `toJS` shares an aliased value rather than
 * copying it, but everything after it — the schema check, the canonical manifest, its export — walks the value
 * as a tree, so `&a [9,000 items]` used 99 times is 891,000 items to them ("billion laughs", mildly). This
 * counts keys and list items the way `checkManifestLimits` counts them in the text, with each alias standing for
 * the expanded entries of its anchor, in one linear pass.
 */
import { isAlias, isCollection, isPair, type Document } from 'yaml';

/**
 * The offset of the alias at which the expanded document first has more than `limit` keys and list items, or
 * null when it stays within. Recursion is bounded by `MANIFEST_LIMITS.depth`.
 */
export function findAliasExpansionOverflow(doc: Document, limit: number): number | null {
  // The expanded entries of each anchor, as of this point of the document: an alias refers to the latest
  // anchor of its name before it, which has been fully walked by the time the alias is reached.
  const anchors = new Map<string, number>();
  let total = 0;
  let overflowAt: number | null = null;

  const walk = (node: unknown): number => {
    let entries = 0;
    if (isAlias(node)) {
      entries = anchors.get(node.source) ?? 0;
      total += entries;
      if (total > limit && overflowAt === null) overflowAt = node.range?.[0] ?? 0;
      return entries;
    }
    if (isCollection(node)) {
      entries = node.items.length;
      total += entries;
      for (const item of node.items) {
        if (overflowAt !== null) break;
        entries += isPair(item) ? walk(item.key) + walk(item.value) : walk(item);
      }
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.set(anchor, entries);
    return entries;
  };
  walk(doc.contents);
  return overflowAt;
}
