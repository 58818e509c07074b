import { describe, expect, it } from 'vitest';
import { buildTopicTree } from '../../../lib/browser/mqtt-preview/topic-tree';

describe('buildTopicTree', () => {
  it('nests topics by level with own and total counts, sorted by level', () => {
    const tree = buildTopicTree(new Map([['b/x', 2], ['a/y/z', 1], ['a/y', 4], ['a/w', 3]]));
    expect(tree.map((n) => [n.level, n.total])).toEqual([['a', 8], ['b', 2]]);
    const a = tree[0];
    expect(a.children.map((n) => [n.topic, n.own, n.total])).toEqual([['a/w', 3, 3], ['a/y', 4, 5]]);
    expect(a.children[1].children[0]).toMatchObject({ topic: 'a/y/z', own: 1, total: 1, children: [] });
  });

  it('keeps empty levels (a leading or doubled slash) as their own nodes', () => {
    const tree = buildTopicTree(new Map([['/a', 1], ['b//c', 1]]));
    expect(tree.map((n) => n.topic)).toEqual(['', 'b']);
    expect(tree[1].children[0].children[0].topic).toBe('b//c');
  });
});
