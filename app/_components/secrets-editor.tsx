'use client';

import { KeyRound, Trash2 } from 'lucide-react';
import { useState, useTransition } from 'react';
import { deleteSecret, setSecret } from '@/app/w/[workspace]/settings/actions';
import { Badge } from './ui/badge';
import { Button } from './ui/button';
import { Input, Label } from './ui/input';
import { Table, Td, Th } from './ui/table';

export interface SecretRow {
  name: string;
  scope: 'workspace' | 'dataset';
  updatedAt: string;
  updatedBy: string | null;
}

/**
 * Write-only secrets: names and who set them when; a value can be set, replaced or deleted, never
 * read back. Inputs are password fields the browser is asked not to remember.
 */
export function SecretsEditor({ workspace, dataset, secrets }: { workspace: string; dataset?: string; secrets: SecretRow[] }) {
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [replacing, setReplacing] = useState<string | null>(null);
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
                <Td className="text-muted-foreground">
                  {s.updatedAt} {s.updatedBy ? `by ${s.updatedBy}` : ''}
                </Td>
                <Td>
                  {own(s) ? (
                    replacing === s.name ? (
                      <form className="flex gap-1" onSubmit={(e) => { e.preventDefault(); const value = String(new FormData(e.currentTarget).get('value')); run(() => setSecret({ workspace, dataset, name: s.name, value }), () => setReplacing(null)); }}>
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
          run(() => setSecret({ workspace, dataset, name: String(data.get('name')), value: String(data.get('value')) }), () => form.reset());
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
        <Button type="submit" disabled={pending}>
          <KeyRound /> Set secret
        </Button>
      </form>
      {error ? <p className="text-destructive" role="alert">{error}</p> : null}
      <p className="text-xs text-muted-foreground">
        Manifests refer to secrets as <code className="font-mono">{'${{ env.NAME }}'}</code>; pulls resolve them on the server{dataset ? ', a dataset secret over a workspace one' : ''}. A broker password typed into a manifest is moved to the dataset secret MQTT_PASSWORD.
      </p>
    </div>
  );
}
