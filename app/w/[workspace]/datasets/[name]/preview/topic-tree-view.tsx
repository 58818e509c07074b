'use client';

import { buildTopicTree, type TopicNode } from '@/lib/browser/mqtt-preview/topic-tree';
import { cn } from '@/app/_components/ui/cn';

/** Topics seen so far as a tree with counts; choosing one filters the list to it and below. */
export function TopicTreeView({ counts, selected, onSelect }: { counts: ReadonlyMap<string, number>; selected: string; onSelect: (filter: string) => void }) {
  const tree = buildTopicTree(counts);
  if (tree.length === 0) return <p className="p-2 text-xs text-muted-foreground">No topics seen yet.</p>;
  return (
    <ul className="text-xs" role="tree" aria-label="Topics seen">
      {tree.map((n) => (
        <Node key={n.topic} node={n} depth={0} selected={selected} onSelect={onSelect} />
      ))}
    </ul>
  );
}

function Node({ node, depth, selected, onSelect }: { node: TopicNode; depth: number; selected: string; onSelect: (filter: string) => void }) {
  const filter = node.children.length ? `${node.topic}/#` : node.topic;
  return (
    <li role="treeitem" aria-selected={selected === filter}>
      <button
        type="button"
        onClick={() => onSelect(selected === filter ? '' : filter)}
        className={cn('flex w-full items-center gap-1 rounded px-1 py-0.5 text-left hover:bg-accent', selected === filter && 'bg-accent')}
        style={{ paddingLeft: `${depth * 12 + 4}px` }}
      >
        <span className="truncate font-mono">{node.level || '(empty)'}</span>
        <span className="ml-auto text-muted-foreground tabular-nums">{node.total}</span>
      </button>
      {node.children.length ? (
        <ul role="group">
          {node.children.map((c) => (
            <Node key={c.topic} node={c} depth={depth + 1} selected={selected} onSelect={onSelect} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}
