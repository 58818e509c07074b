'use client';

import { Eraser, Pause, Play } from 'lucide-react';
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Button } from '@/app/_components/ui/button';
import { Card, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { Input } from '@/app/_components/ui/input';
import { PreviewStore, type PreviewMessage } from '@/lib/browser/mqtt-preview/preview-store';
import type { PreviewConfig } from '@/lib/datasets/preview-config';
import { topicMatches, exampleTopic } from '@/lib/ingest/fetch/topic-filter';
import { ConnectionBar } from './connection-bar';
import { MessageDetail } from './message-detail';
import { MessageList } from './message-list';
import { NextPullView } from './next-pull-view';
import { PublishForm } from './publish-form';
import { TopicTreeView } from './topic-tree-view';

/** History caps: whichever is reached first evicts the oldest messages. */
const LIMITS = { maxMessages: 10_000, maxBytes: 32 * 1024 * 1024 };

export function LivePreview({ config, canPublish, canEdit }: { config: PreviewConfig; canPublish: boolean; canEdit: boolean }) {
  const [store] = useState(
    () => new PreviewStore({ read: config.read, readSchema: config.readSchema, maxPayloadBytes: config.maxPayloadBytes, problem: config.readProblem }, LIMITS),
  );
  const version = useSyncExternalStore(store.subscribe, store.getVersion, () => 0);
  useEffect(() => {
    // A push dataset's preview follows its inbox at once (no broker to choose).
    if (config.inboxPath) store.followInbox(config.inboxPath);
    return () => store.disconnect();
  }, [store, config.inboxPath]);

  const [paused, setPaused] = useState(false);
  const [frozen, setFrozen] = useState<PreviewMessage[] | null>(null);
  const [topicFilter, setTopicFilter] = useState('');
  const [textFilter, setTextFilter] = useState('');
  const [selected, setSelected] = useState<number | null>(null);

  // Recomputed on every store version (at most once per frame). Newest first; while paused the view keeps what it showed (messages still arrive and count).
  const all = useMemo(() => frozen ?? store.ring.toArray().reverse(), [store, version, frozen]);
  const shown = useMemo(() => {
    const text = textFilter.toLowerCase();
    return all.filter((m) => (!topicFilter || topicMatches(topicFilter, m.topic)) && (!text || m.topic.toLowerCase().includes(text) || m.text.toLowerCase().includes(text)));
  }, [all, topicFilter, textFilter]);
  const selectedMessage = selected === null ? undefined : all.find((m) => m.seq === selected);

  const togglePause = () => {
    setFrozen(paused ? null : store.ring.toArray().reverse());
    setPaused(!paused);
  };
  const connected = store.connection.status === 'connected';
  // A topic the dataset's first filter matches, so a test message shows up in the preview.
  const firstTopic = config.topics[0] ? exampleTopic(config.topics[0].path) : '';
  return (
    <div className="flex flex-col gap-3">
      {config.inboxPath ? (
        <p className="text-xs text-muted-foreground" data-testid="inbox-status" data-status={store.connection.status}>
          {store.connection.status === 'connected' ? 'Following' : store.connection.status === 'error' ? store.connection.message : 'Connecting to'} the messages devices publish to this dataset, as the endpoint stores them ·{' '}
          <span data-testid="inbox-backlog" data-backlog={store.backlog ?? ''}>{store.backlog === undefined ? '…' : store.backlog.toLocaleString('en-US')} waiting to be folded into the chain</span>
        </p>
      ) : (
        <>
          <ConnectionBar
            workspace={config.workspace}
            dataset={config.dataset}
            canSaveUrl={canEdit}
            savedUrl={config.wsUrl}
            relayPath={config.relayPath}
            needsPassword={config.needsPassword}
            state={store.connection}
            onConnect={(url) => store.connect({ url, topics: config.topics })}
            onDisconnect={() => store.disconnect()}
          />
          <p className="text-xs text-muted-foreground">
            Subscribes to {config.topics.map((t) => t.path).join(', ') || 'no topics'} with a throwaway clean-session client, so previewing never takes messages from the dataset&apos;s pulls.
          </p>
        </>
      )}
      <div className="grid gap-3 lg:grid-cols-[220px_1fr_minmax(0,420px)]">
        <Card className="max-h-[480px] overflow-auto">
          <CardHeader>
            <CardTitle>Topics</CardTitle>
          </CardHeader>
          <TopicTreeView counts={store.topicCounts} selected={topicFilter} onSelect={setTopicFilter} />
        </Card>
        <div className="flex min-w-0 flex-col gap-2">
          <div className="flex flex-wrap items-center gap-2">
            <Input className="w-48 font-mono text-xs" value={topicFilter} onChange={(e) => setTopicFilter(e.target.value)} placeholder="topic filter, e.g. a/+/b" aria-label="Topic filter" />
            <Input className="w-48" value={textFilter} onChange={(e) => setTextFilter(e.target.value)} placeholder="search text" aria-label="Text filter" />
            <Button variant="outline" size="sm" onClick={togglePause} aria-pressed={paused}>
              {paused ? <Play /> : <Pause />}
              {paused ? 'Resume' : 'Pause'}
            </Button>
            <Button variant="outline" size="sm" onClick={() => { store.clear(); setFrozen(paused ? [] : null); setSelected(null); }}>
              <Eraser /> Clear
            </Button>
            <span className="ml-auto text-xs text-muted-foreground tabular-nums" data-testid="preview-counters" data-received={store.received}>
              {store.received.toLocaleString('en-US')} received · {store.quarantined} would be quarantined · showing {shown.length.toLocaleString('en-US')} of {store.ring.length.toLocaleString('en-US')} buffered ({(store.ring.byteSize / 1048576).toFixed(1)} MiB)
            </span>
          </div>
          <MessageList messages={shown} selected={selected} onSelect={setSelected} />
        </div>
        <Card className="min-w-0">
          <CardHeader>
            <CardTitle>Message</CardTitle>
          </CardHeader>
          <div className="p-3">{selectedMessage ? <MessageDetail key={selectedMessage.seq} m={selectedMessage} schema={config.readSchema} /> : <p className="text-xs text-muted-foreground">Select a message to see its payload and the rows it becomes.</p>}</div>
        </Card>
      </div>
      <div className="grid gap-3 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>What the next pull would commit</CardTitle>
          </CardHeader>
          <div className="p-3">
            {/* Every inbox message is the dataset's (the endpoint routed it); a pull takes only its filters' topics. */}
            <NextPullView config={config} messages={() => store.ring.toArray().filter((m) => !!config.inboxPath || config.topics.some((t) => topicMatches(t.path, m.topic)))} />
          </div>
        </Card>
        {canPublish && !config.inboxPath ? (
          <Card>
            <CardHeader>
              <CardTitle>Publish a test message</CardTitle>
            </CardHeader>
            <div className="p-3">
              <PublishForm defaultTopic={firstTopic} connected={connected} publish={(t, p, q, r) => store.publish(t, p, q, r)} />
            </div>
          </Card>
        ) : null}
      </div>
    </div>
  );
}

