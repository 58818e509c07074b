'use client';

import { Plug, PlugZap } from 'lucide-react';
import { useEffect, useState, useTransition } from 'react';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import type { ConnectionState } from '@/lib/browser/mqtt-preview/preview-store';
import { setPreviewUrl } from '../actions';

const TONES = { connected: 'success', connecting: 'info', reconnecting: 'warning', error: 'danger', disconnected: 'neutral' } as const;

export function ConnectionBadge({ state }: { state: ConnectionState }) {
  const detail = state.status === 'error' ? state.message : state.status === 'reconnecting' ? state.reason : undefined;
  return (
    <span className="flex items-center gap-1.5 text-xs" data-testid="connection-state" data-status={state.status}>
      <Badge tone={TONES[state.status]}>{state.status}</Badge>
      {detail ? <span className={state.status === 'error' ? 'text-destructive' : 'text-muted-foreground'}>{detail}</span> : null}
    </span>
  );
}

/**
 * Broker URL and credentials for the preview. The password is typed here and kept only in this
 * page's memory: the server never sends a stored broker password to the browser.
 */
export function ConnectionBar(props: {
  workspace: string;
  dataset: string;
  /** Editors may store the URL with the dataset. */
  canSaveUrl: boolean;
  savedUrl: string | null;
  username: string | null;
  needsPassword: boolean;
  state: ConnectionState;
  onConnect: (o: { url: string; username: string; password: string }) => void;
  onDisconnect: () => void;
}) {
  const [url, setUrl] = useState(props.savedUrl ?? '');
  const [username, setUsername] = useState(props.username ?? '');
  const [password, setPassword] = useState('');
  const [https, setHttps] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saving, startSaving] = useTransition();
  useEffect(() => setHttps(window.location.protocol === 'https:'), []);

  const insecureOnHttps = https && url.startsWith('ws://');
  const active = props.state.status !== 'disconnected';
  const save = () =>
    startSaving(async () => {
      const r = await setPreviewUrl({ workspace: props.workspace, dataset: props.dataset, url });
      setSaveError(r.ok ? null : r.message);
    });
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (active) props.onDisconnect();
        else props.onConnect({ url, username, password });
      }}
    >
      <label className="flex flex-col gap-1 text-xs text-muted-foreground">
        WebSocket URL
        <Input className="w-72 font-mono text-xs" value={url} onChange={(e) => setUrl(e.target.value)} placeholder={https ? 'wss://broker:8084/mqtt' : 'ws://broker:8083'} disabled={active} aria-label="WebSocket URL" />
      </label>
      <label className="flex flex-col gap-1 text-xs text-muted-foreground">
        User
        <Input className="w-32" value={username} onChange={(e) => setUsername(e.target.value)} disabled={active} aria-label="User" />
      </label>
      {props.needsPassword ? (
        <label className="flex flex-col gap-1 text-xs text-muted-foreground">
          Password
          <Input className="w-32" type="password" value={password} onChange={(e) => setPassword(e.target.value)} disabled={active} aria-label="Password" autoComplete="off" />
        </label>
      ) : null}
      <Button type="submit" variant={active ? 'outline' : 'default'} disabled={!active && (!/^wss?:\/\//.test(url) || insecureOnHttps)}>
        {active ? <PlugZap /> : <Plug />}
        {active ? 'Disconnect' : 'Connect'}
      </Button>
      {props.canSaveUrl && url !== (props.savedUrl ?? '') ? (
        <Button type="button" variant="ghost" onClick={save} disabled={saving}>
          Save URL
        </Button>
      ) : null}
      <ConnectionBadge state={props.state} />
      {insecureOnHttps ? (
        <p className="basis-full text-xs text-warning">
          This page is served over https, and browsers block unencrypted ws:// connections from it: use the broker&apos;s wss:// listener.
        </p>
      ) : null}
      {saveError ? <p className="basis-full text-xs text-destructive">{saveError}</p> : null}
    </form>
  );
}
