/** A node of the topic tree: one topic level, with message counts of it and everything below. */
export interface TopicNode {
  level: string;
  /** Full topic of this node (its level path joined by "/"). */
  topic: string;
  /** Messages on exactly this topic. */
  own: number;
  /** Messages on this topic and all below it. */
  total: number;
  children: TopicNode[];
}

/** Builds the tree of seen topics from per-topic counts; children sorted by level name. */
export function buildTopicTree(counts: ReadonlyMap<string, number>): TopicNode[] {
  const root: TopicNode = { level: '', topic: '', own: 0, total: 0, children: [] };
  const index = new Map<string, TopicNode>();
  for (const [topic, n] of counts) {
    let node = root;
    node.total += n;
    const levels = topic.split('/');
    levels.forEach((level, i) => {
      const path = levels.slice(0, i + 1).join('/');
      let child = index.get(path);
      if (!child) {
        child = { level, topic: path, own: 0, total: 0, children: [] };
        index.set(path, child);
        node.children.push(child);
      }
      child.total += n;
      node = child;
    });
    node.own += n;
  }
  const sort = (nodes: TopicNode[]) => {
    nodes.sort((a, b) => (a.level < b.level ? -1 : a.level > b.level ? 1 : 0));
    for (const n of nodes) sort(n.children);
  };
  sort(root.children);
  return root.children;
}
