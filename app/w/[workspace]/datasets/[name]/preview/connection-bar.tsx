'use client';

import { Plug, PlugZap } from 'lucide-react';
import { useEffect, useState, useTransition } from 'react';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Input, Select } from '@/app/_components/ui/input';
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

type Mode = 'relay' | 'direct';

/**
 * How the preview reaches the broker: through Sluice's relay (which adds the dataset's stored
 * credentials on the server, and reaches TCP-only or TLS brokers too), or directly to the broker's
 * own WebSocket listener when it needs no credentials. A browser is never given a password.
 */
export function ConnectionBar(props: {
  workspace: string;
  dataset: string;
  /** Editors may store the direct URL with the dataset. */
  canSaveUrl: boolean;
  savedUrl: string | null;
  relayPath: string;
  needsPassword: boolean;
  state: ConnectionState;
  onConnect: (url: string) => void;
  onDisconnect: () => void;
}) {
  const [mode, setMode] = useState<Mode>(props.savedUrl && !props.needsPassword ? 'direct' : 'relay');
  const [url, setUrl] = useState(props.savedUrl ?? '');
  const [https, setHttps] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saving, startSaving] = useTransition();
  useEffect(() => setHttps(window.location.protocol === 'https:'), []);

  const insecureOnHttps = mode === 'direct' && https && url.startsWith('ws://');
  const active = props.state.status !== 'disconnected';
  const relayUrl = () => `${window.location.protocol === 'https:' ? 'wss:' : 'ws:'}//${window.location.host}${props.relayPath}`;
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
        else props.onConnect(mode === 'relay' ? relayUrl() : url);
      }}
    >
      <label className="flex flex-col gap-1 text-xs text-muted-foreground">
        Connect
        <Select value={mode} onChange={(e) => setMode(e.target.value as Mode)} disabled={active} aria-label="Connect">
          <option value="relay">through Sluice</option>
          <option value="direct" disabled={props.needsPassword}>directly (WebSocket URL)</option>
        </Select>
      </label>
      {mode === 'direct' ? (
        <label className="flex flex-col gap-1 text-xs text-muted-foreground">
          WebSocket URL
          <Input className="w-72 font-mono text-xs" value={url} onChange={(e) => setUrl(e.target.value)} placeholder={https ? 'wss://broker:8084/mqtt' : 'ws://broker:8083'} disabled={active} aria-label="WebSocket URL" />
        </label>
      ) : null}
      <Button type="submit" variant={active ? 'outline' : 'default'} disabled={!active && mode === 'direct' && (!/^wss?:\/\//.test(url) || insecureOnHttps)}>
        {active ? <PlugZap /> : <Plug />}
        {active ? 'Disconnect' : 'Connect'}
      </Button>
      {mode === 'direct' && props.canSaveUrl && url !== (props.savedUrl ?? '') ? (
        <Button type="button" variant="ghost" onClick={save} disabled={saving}>
          Save URL
        </Button>
      ) : null}
      <ConnectionBadge state={props.state} />
      {props.needsPassword ? (
        <p className="basis-full text-xs text-muted-foreground">The broker needs credentials: the preview goes through Sluice, which adds them on the server.</p>
      ) : null}
      {insecureOnHttps ? (
        <p className="basis-full text-xs text-warning">
          This page is served over https, and browsers block unencrypted ws:// connections from it: use the broker&apos;s wss:// listener, or connect through Sluice.
        </p>
      ) : null}
      {saveError ? <p className="basis-full text-xs text-destructive">{saveError}</p> : null}
    </form>
  );
}
