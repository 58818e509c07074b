'use client';

import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { Badge } from '@/app/_components/ui/badge';
import { cn } from '@/app/_components/ui/cn';
import type { PreviewMessage } from '@/lib/browser/mqtt-preview/preview-store';

const ROW_HEIGHT = 26;

function clock(ms: number): string {
  const d = new Date(ms);
  return `${d.toTimeString().slice(0, 8)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Messages, newest first, virtualised: only the visible rows exist in the DOM. */
export function MessageList({ messages, selected, onSelect }: { messages: PreviewMessage[]; selected: number | null; onSelect: (seq: number) => void }) {
  const parent = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: messages.length, getScrollElement: () => parent.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  return (
    <div
      ref={parent}
      className="h-[420px] overflow-auto rounded-md border font-mono text-xs"
      data-testid="message-list"
      role="listbox"
      aria-label="Messages"
      tabIndex={0}
      onKeyDown={(e) => {
        if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
        e.preventDefault();
        const i = messages.findIndex((m) => m.seq === selected);
        const next = messages[Math.min(messages.length - 1, Math.max(0, i + (e.key === 'ArrowDown' ? 1 : -1)))];
        if (next) {
          onSelect(next.seq);
          virtualizer.scrollToIndex(messages.indexOf(next));
        }
      }}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => {
          const m = messages[item.index];
          return (
            <div
              key={m.seq}
              role="option"
              aria-selected={selected === m.seq}
              data-testid="message-row"
              onClick={() => onSelect(m.seq)}
              className={cn('absolute left-0 flex w-full cursor-pointer items-center gap-2 border-b px-2 hover:bg-muted/60', selected === m.seq && 'bg-accent')}
              style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
            >
              <span className="text-muted-foreground">{clock(m.receivedAt)}</span>
              <span className="max-w-[30%] truncate" title={m.topic}>{m.topic}</span>
              <span className="text-muted-foreground">Q{m.qos}</span>
              {m.retain ? <Badge tone="warning">R</Badge> : null}
              <span className="text-muted-foreground">{m.payload.length}B</span>
              <CheckBadge m={m} />
              <span className="min-w-0 flex-1 truncate text-muted-foreground">{m.text.slice(0, 200)}</span>
            </div>
          );
        })}
      </div>
    </div>
  );
}

export function CheckBadge({ m }: { m: PreviewMessage }) {
  if (m.check.kind === 'rows') return <Badge tone="success">{m.check.rows.length} {m.check.rows.length === 1 ? 'row' : 'rows'}</Badge>;
  if (m.check.kind === 'quarantine') return <Badge tone="danger" title={m.check.reason}>quarantine</Badge>;
  return <Badge title={m.check.reason}>unchecked</Badge>;
}
