'use client';

import { KeyRound, Trash2 } from 'lucide-react';
import { useState, useTransition } from 'react';
import { bindSecret, deleteSecret, setSecret } from '@/app/w/[workspace]/settings/actions';
import { Badge } from './ui/badge';
import { Button } from './ui/button';
import { Input, Label } from './ui/input';
import { Table, Td, Th } from './ui/table';

export interface SecretRow {
  name: string;
  scope: 'workspace' | 'dataset';
  /** Broker endpoints the value may be sent to. */
  brokers: string[];
  updatedAt: string;
  updatedBy: string | null;
}

/**
 * Write-only secrets: names and who set them when; a value can be set, replaced or deleted, never
 * read back. Inputs are password fields the browser is asked not to remember. Each secret is bound
 * to the brokers it may be sent to: the ones typed in (a dataset's broker is suggested, in the
 * field); replacing a value keeps them.
 */
export function SecretsEditor({ workspace, dataset, defaultBroker, secrets }: { workspace: string; dataset?: string; defaultBroker?: string; secrets: SecretRow[] }) {
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [replacing, setReplacing] = useState<string | null>(null);
  const [binding, setBinding] = useState<string | null>(null);
  const run = (fn: () => ReturnType<typeof setSecret>, after?: () => void) =>
    start(async () => {
      const r = await fn();
      setError(r.ok ? null : r.message);
      if (r.ok) after?.();
    });
  const own = (s: SecretRow) => (dataset ? s.scope === 'dataset' : true);
  return (
    <div className="flex flex-col gap-3 text-sm">
      {secrets.length ? (
        <Table data-testid="secrets-table">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Scope</Th>
              <Th>Sent only to</Th>
              <Th>Set</Th>
              <Th />
            </tr>
          </thead>
          <tbody>
            {secrets.map((s) => (
              <tr key={`${s.scope}:${s.name}`} data-testid={`secret-${s.name}`}>
                <Td className="font-mono">{`\${{ env.${s.name} }}`}</Td>
                <Td>
                  <Badge tone={s.scope === 'dataset' ? 'info' : 'neutral'}>{s.scope}</Badge>
                </Td>
                <Td data-testid={`secret-brokers-${s.name}`}>
                  {own(s) && binding === s.name ? (
                    <form className="flex gap-1" onSubmit={(e) => { e.preventDefault(); const brokers = String(new FormData(e.currentTarget).get('brokers')); run(() => bindSecret({ workspace, dataset, name: s.name, brokers }), () => setBinding(null)); }}>
                      <Input name="brokers" defaultValue={s.brokers.join(' ')} aria-label={`Brokers of ${s.name}`} className="font-mono" required />
                      <Button size="sm" type="submit" disabled={pending}>Save</Button>
                    </form>
                  ) : (
                    <span className="flex flex-wrap items-center gap-1">
                      {s.brokers.length ? s.brokers.map((b) => <code key={b} className="font-mono text-xs">{b}</code>) : <span className="text-destructive">no broker: never sent</span>}
                      {own(s) ? <Button size="sm" variant="ghost" onClick={() => setBinding(s.name)}>Change</Button> : null}
                    </span>
                  )}
                </Td>
                <Td className="text-muted-foreground">
                  {s.updatedAt} {s.updatedBy ? `by ${s.updatedBy}` : ''}
                </Td>
                <Td>
                  {own(s) ? (
                    replacing === s.name ? (
                      <form className="flex gap-1" onSubmit={(e) => { e.preventDefault(); const value = String(new FormData(e.currentTarget).get('value')); run(() => setSecret({ workspace, dataset, name: s.name, value, brokers: s.brokers.join(' ') }), () => setReplacing(null)); }}>
                        <Input name="value" type="password" autoComplete="new-password" aria-label={`New value of ${s.name}`} required />
                        <Button size="sm" type="submit" disabled={pending}>Save</Button>
                      </form>
                    ) : (
                      <span className="flex gap-1">
                        <Button size="sm" variant="ghost" onClick={() => setReplacing(s.name)}>Replace</Button>
                        <Button size="sm" variant="ghost" disabled={pending} aria-label={`Delete ${s.name}`} onClick={() => run(() => deleteSecret({ workspace, dataset, name: s.name }))}>
                          <Trash2 />
                        </Button>
                      </span>
                    )
                  ) : (
                    <span className="text-xs text-muted-foreground">set in workspace settings</span>
                  )}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : (
        <p className="text-muted-foreground">No secrets yet.</p>
      )}
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const data = new FormData(form);
          run(() => setSecret({ workspace, dataset, name: String(data.get('name')), value: String(data.get('value')), brokers: String(data.get('brokers')) }), () => form.reset());
        }}
      >
        <Label>
          Name
          <Input name="name" required placeholder="MQTT_PASSWORD" className="font-mono" aria-label="Secret name" />
        </Label>
        <Label>
          Value
          <Input name="value" type="password" required autoComplete="new-password" aria-label="Secret value" />
        </Label>
        <Label>
          Sent only to brokers
          <Input name="brokers" defaultValue={defaultBroker ?? ''} required placeholder="mqtts://broker.example.com:8883" className="font-mono" aria-label="Secret brokers" />
        </Label>
        <Button type="submit" disabled={pending}>
          <KeyRound /> Set secret
        </Button>
      </form>
      {error ? <p className="text-destructive" role="alert">{error}</p> : null}
      <p className="text-xs text-muted-foreground">
        Manifests refer to secrets as <code className="font-mono">{'${{ env.NAME }}'}</code>; pulls resolve them on the server{dataset ? ', a dataset secret over a workspace one' : ''}. A secret is sent only to the brokers it is bound to: a dataset pointed at another broker gets none of it until a maintainer binds it there. A broker password typed into a manifest is moved to the dataset secret MQTT_PASSWORD, bound to that manifest's broker.
      </p>
    </div>
  );
}
