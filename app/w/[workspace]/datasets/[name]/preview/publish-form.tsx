'use client';

import { Send } from 'lucide-react';
import { useState } from 'react';
import { Button } from '@/app/_components/ui/button';
import { CodeEditor, type CodeIssue } from '@/app/_components/code-editor';
import { Input, Select } from '@/app/_components/ui/input';

/** Publishes a test message through the preview's connection; JSON is checked before it is sent. */
export function PublishForm({ defaultTopic, connected, publish }: { defaultTopic: string; connected: boolean; publish: (topic: string, payload: string, qos: 0 | 1 | 2, retain: boolean) => Promise<void> }) {
  const [topic, setTopic] = useState(defaultTopic);
  const [payload, setPayload] = useState('{\n  \n}');
  const [qos, setQos] = useState<0 | 1 | 2>(0);
  const [retain, setRetain] = useState(false);
  const [asJson, setAsJson] = useState(true);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);

  const jsonError = asJson ? jsonProblem(payload) : null;
  const invalidTopic = topic === '' || /[+#]/.test(topic);
  const canPublish = connected && !invalidTopic && jsonError === null;
  // A disabled button says why, on hover and for screen readers.
  const blocked = !connected ? 'Connect first' : invalidTopic ? 'Give a topic without + or #' : jsonError ? 'The payload is not JSON (see below); untick JSON to send it as text' : undefined;
  const send = async () => {
    if (!canPublish) return;
    try {
      await publish(topic, payload, qos, retain);
      setStatus({ ok: true, text: `published to ${topic}` });
    } catch (err) {
      setStatus({ ok: false, text: (err as Error).message });
    }
  };
  return (
    <form
      className="flex flex-col gap-2 text-xs"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <div className="flex flex-wrap items-center gap-2">
        <Input className="min-w-48 flex-1 font-mono text-xs" value={topic} onChange={(e) => setTopic(e.target.value)} aria-label="Publish topic" placeholder="topic (no wildcards)" />
        <Select value={qos} onChange={(e) => setQos(Number(e.target.value) as 0 | 1 | 2)} aria-label="Publish QoS">
          <option value={0}>QoS 0</option>
          <option value={1}>QoS 1</option>
          <option value={2}>QoS 2</option>
        </Select>
        <label className="flex items-center gap-1">
          <input type="checkbox" checked={retain} onChange={(e) => setRetain(e.target.checked)} /> retain
        </label>
        <label className="flex items-center gap-1">
          <input type="checkbox" checked={asJson} onChange={(e) => setAsJson(e.target.checked)} /> JSON
        </label>
        <Button type="submit" size="sm" disabled={!canPublish} title={blocked ?? 'Ctrl/Cmd+Enter in the payload'}>
          <Send /> Publish
        </Button>
      </div>
      <CodeEditor language="json" label="Publish payload" className="h-32" value={payload} onChange={setPayload} issues={jsonError ? [jsonError] : []} onSubmit={() => void send()} />
      {jsonError ? <p className="text-destructive" role="alert" data-testid="publish-problem">Publish is off: the payload is not JSON ({jsonError.message}). Fix it, or untick JSON to send it as text.</p> : null}
      {invalidTopic && topic ? <p className="text-destructive">A topic to publish to cannot hold + or #.</p> : null}
      {status ? <p className={status.ok ? 'text-success' : 'text-destructive'}>{status.text}</p> : null}
    </form>
  );
}

/** Where JSON.parse fails, as a markable position (V8 reports "line L column C"). */
function jsonProblem(text: string): CodeIssue | null {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    const message = (err as Error).message;
    const at = /line (\d+) column (\d+)/.exec(message);
    return { line: at ? Number(at[1]) : 1, column: at ? Number(at[2]) : 1, message };
  }
}
