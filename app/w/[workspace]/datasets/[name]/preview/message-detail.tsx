'use client';

import { useState } from 'react';
import { Button } from '@/app/_components/ui/button';
import { payloadView, toHex } from '@/lib/data/payload-view';
import type { PreviewMessage } from '@/lib/browser/mqtt-preview/preview-store';
import type { DataSchema } from '@/lib/odf/data-type';
import { CheckBadge } from './message-list';
import { RowsTable } from './rows-table';

/** One message: its payload (JSON pretty-printed, text or hex) and the rows or quarantine reason a pull would give it. */
export function MessageDetail({ m, schema }: { m: PreviewMessage; schema: DataSchema | null }) {
  const view = payloadView(m.payload);
  const [hex, setHex] = useState(false);
  return (
    <div className="flex flex-col gap-2 text-xs" data-testid="message-detail">
      <div className="flex flex-wrap items-center gap-2">
        <code className="font-mono break-all">{m.topic}</code>
        <span className="text-muted-foreground">QoS {m.qos}{m.retain ? ' · retained' : ''} · {m.payload.length} bytes · {view.kind}</span>
        <CheckBadge m={m} />
        {view.kind !== 'hex' ? (
          <Button className="ml-auto" variant="ghost" size="sm" onClick={() => setHex(!hex)}>
            {hex ? 'Text' : 'Hex'}
          </Button>
        ) : null}
      </div>
      <pre className="max-h-56 overflow-auto rounded bg-muted p-2 font-mono whitespace-pre-wrap break-all" data-testid="payload">{hex ? toHex(m.payload, 4096) : view.text}</pre>
      {m.check.kind === 'rows' && schema ? (
        <RowsTable fields={schema.fields} rows={m.check.rows} testId="parsed-rows" />
      ) : (
        <p className={m.check.kind === 'quarantine' ? 'text-destructive' : 'text-muted-foreground'} data-testid="check-reason">
          {m.check.kind === 'quarantine' ? `Would be quarantined: ${m.check.reason}` : m.check.kind === 'unchecked' ? `Not checked: ${m.check.reason}` : ''}
        </p>
      )}
    </div>
  );
}
