'use client';

import { Plus, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { Button } from '@/app/_components/ui/button';
import { cn } from '@/app/_components/ui/cn';
import { Input, Label, Select } from '@/app/_components/ui/input';
import { describeDataType } from '@/lib/odf/describe-data-type';
import { ddlToDataSchema, SUPPORTED_TYPES } from '@/lib/odf/ddl';
import { DdlSchemaError } from '@/lib/odf/errors';
import type { DataField, DataType } from '@/lib/odf/data-type';
import type { DatasetSnapshot, FetchStepMqtt, MqttQos, SetPollingSource } from '@/lib/odf';

const STEPS = ['Fetch', 'Read', 'Merge'] as const;
const QOS: MqttQos[] = ['AtMostOnce', 'AtLeastOnce', 'ExactlyOnce'];
const READ_KINDS = ['NdJson', 'Json', 'Csv'] as const;
const MERGE_KINDS = ['Append', 'Ledger', 'Snapshot', 'ChangelogStream', 'UpsertStream'] as const;
/** Types offered in the field table; anything else (Struct, List, Decimal…) is edited in YAML. */
const SIMPLE_TYPES = ['String', 'Int32', 'Int64', 'Float64', 'Bool', 'Timestamp', 'Date'] as const;

type MqttSource = SetPollingSource & { fetch: FetchStepMqtt };
/** `schema` (ODF fields) or `ddlSchema` (Kamu's DDL column list; also what a DDL list under `schema:` parses to). */
type ReadStep = { kind: string; subPath?: string; schema?: { fields: DataField[] }; ddlSchema?: string[] } & Record<string, unknown>;
type Merge = { kind: string; primaryKey?: string[]; compareColumns?: string[] };

/**
 * The step form (fetch → read → merge) over the manifest's active MQTT polling source. It edits a
 * copy of the snapshot and hands it back on every change; the YAML pane is regenerated from it.
 */
export function SourceForm({ snapshot, onChange, nameEditable }: { snapshot: DatasetSnapshot; onChange: (s: DatasetSnapshot) => void; nameEditable: boolean }) {
  const [step, setStep] = useState<(typeof STEPS)[number]>('Fetch');
  const index = snapshot.metadata.findLastIndex((e) => e.kind === 'SetPollingSource');
  const source = index >= 0 ? (snapshot.metadata[index] as SetPollingSource) : undefined;

  const update = (fn: (s: MqttSource) => void) => {
    const next = structuredClone(snapshot);
    fn(next.metadata[index] as MqttSource);
    onChange(next);
  };
  if (!source || source.fetch.kind !== 'Mqtt') {
    return <p className="p-3 text-sm text-muted-foreground">This manifest has no MQTT polling source{source ? ` (it fetches with ${source.fetch.kind})` : ''}; edit it in YAML.</p>;
  }
  const fetch = source.fetch;
  const read = source.read as unknown as ReadStep;
  const merge = source.merge as Merge;
  return (
    <div className="flex flex-col gap-3 p-3" data-testid="source-form">
      <Label>
        Dataset name
        <Input value={snapshot.name} disabled={!nameEditable} aria-label="Dataset name" onChange={(e) => onChange({ ...snapshot, name: e.target.value })} />
      </Label>
      <div className="flex gap-1 border-b" role="tablist">
        {STEPS.map((s, i) => (
          <button key={s} type="button" role="tab" aria-selected={step === s} onClick={() => setStep(s)} className={cn('-mb-px border-b-2 px-3 py-1 text-sm', step === s ? 'border-primary' : 'border-transparent text-muted-foreground')}>
            {i + 1}. {s}
          </button>
        ))}
      </div>
      {step === 'Fetch' ? (
        <div className="flex flex-col gap-2">
          <div className="grid grid-cols-[1fr_6rem] gap-2">
            <Label>
              Host (or mqtts://, ws://, wss:// URL)
              <Input value={fetch.host} aria-label="Host" onChange={(e) => update((s) => void (s.fetch.host = e.target.value))} />
            </Label>
            <Label>
              Port
              <Input type="number" value={fetch.port} aria-label="Port" onChange={(e) => update((s) => void (s.fetch.port = Number(e.target.value)))} />
            </Label>
            <Label>
              Username
              <Input value={fetch.username ?? ''} aria-label="Username" onChange={(e) => update((s) => void (s.fetch.username = e.target.value || undefined))} />
            </Label>
          </div>
          <Label>
            Password — a template such as {'${{ env.MQTT_PASSWORD }}'} keeps the secret out of the manifest
            <Input value={fetch.password ?? ''} aria-label="Password" onChange={(e) => update((s) => void (s.fetch.password = e.target.value || undefined))} />
          </Label>
          <div className="text-xs font-medium text-muted-foreground">Topics</div>
          {fetch.topics.map((t, i) => (
            <div key={i} className="flex gap-2">
              <Input className="flex-1 font-mono text-xs" value={t.path} aria-label={`Topic ${i + 1}`} onChange={(e) => update((s) => void (s.fetch.topics[i].path = e.target.value))} />
              <Select value={t.qos ?? 'AtMostOnce'} aria-label={`QoS of topic ${i + 1}`} onChange={(e) => update((s) => void (s.fetch.topics[i].qos = e.target.value as MqttQos))}>
                {QOS.map((q, n) => (
                  <option key={q} value={q}>
                    QoS {n} · {q}
                  </option>
                ))}
              </Select>
              <Button type="button" variant="ghost" size="icon" aria-label={`Remove topic ${i + 1}`} onClick={() => update((s) => void s.fetch.topics.splice(i, 1))}>
                <Trash2 />
              </Button>
            </div>
          ))}
          <Button type="button" variant="outline" size="sm" className="self-start" onClick={() => update((s) => void s.fetch.topics.push({ path: '', qos: 'AtLeastOnce' }))}>
            <Plus /> Add topic
          </Button>
        </div>
      ) : null}
      {step === 'Read' ? (
        <div className="flex flex-col gap-2">
          <div className="flex gap-2">
            <Label>
              Payload format
              <Select value={read.kind} aria-label="Payload format" onChange={(e) => update((s) => void (s.read = { kind: e.target.value, schema: read.schema, ddlSchema: read.ddlSchema } as never))}>
                {READ_KINDS.map((k) => (
                  <option key={k}>{k}</option>
                ))}
              </Select>
            </Label>
            {read.kind === 'Json' ? (
              <Label className="flex-1">
                Sub-path to the records (optional)
                <Input value={read.subPath ?? ''} aria-label="Sub-path" onChange={(e) => update((s) => void ((s.read as unknown as ReadStep).subPath = e.target.value || undefined))} />
              </Label>
            ) : null}
            {read.kind === 'Csv' ? (
              <>
                <Label>
                  Separator
                  <Input className="w-16 font-mono" maxLength={1} value={(read.separator as string | undefined) ?? ''} placeholder="," aria-label="Separator" onChange={(e) => update((s) => void ((s.read as unknown as ReadStep).separator = e.target.value || undefined))} />
                </Label>
                <Label>
                  Null text
                  <Input className="w-24 font-mono" value={(read.nullValue as string | undefined) ?? ''} placeholder="(empty)" aria-label="Null text" onChange={(e) => update((s) => void ((s.read as unknown as ReadStep).nullValue = e.target.value || undefined))} />
                </Label>
                <label className="flex items-center gap-1 self-end pb-2 text-xs">
                  <input type="checkbox" checked={read.header === true} aria-label="Header row" onChange={(e) => update((s) => void ((s.read as unknown as ReadStep).header = e.target.checked || undefined))} /> first row names the columns
                </label>
              </>
            ) : null}
          </div>
          {read.ddlSchema ? (
            <DdlTable columns={read.ddlSchema} onChange={(columns) => update((s) => void ((s.read as unknown as ReadStep).ddlSchema = columns.length ? columns : undefined))} />
          ) : (
            <SchemaTable fields={read.schema?.fields ?? []} onChange={(fields) => update((s) => void ((s.read as unknown as ReadStep).schema = fields.length ? { fields } : undefined))} />
          )}
          <p className="text-xs text-muted-foreground">
            {read.schema || read.ddlSchema ? '' : 'Without fields, the schema is inferred from the first messages (NdJson and Json). '}A field named mqtt_topic receives the message&apos;s topic.
          </p>
        </div>
      ) : null}
      {step === 'Merge' ? (
        <div className="flex flex-col gap-2">
          <Label>
            Merge strategy
            <Select value={merge.kind} aria-label="Merge strategy" onChange={(e) => update((s) => void (s.merge = (e.target.value === 'Append' ? { kind: 'Append' } : { kind: e.target.value, primaryKey: merge.primaryKey ?? [] }) as never))}>
              {MERGE_KINDS.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </Select>
          </Label>
          {merge.kind !== 'Append' ? (
            <Label>
              Primary key columns (comma-separated)
              <Input value={(merge.primaryKey ?? []).join(', ')} aria-label="Primary key" onChange={(e) => update((s) => void ((s.merge as Merge).primaryKey = splitList(e.target.value)))} />
            </Label>
          ) : null}
          {merge.kind === 'Snapshot' ? (
            <Label>
              Compare columns (optional; default: all others)
              <Input value={(merge.compareColumns ?? []).join(', ')} aria-label="Compare columns" onChange={(e) => update((s) => void ((s.merge as Merge).compareColumns = splitList(e.target.value).length ? splitList(e.target.value) : undefined))} />
            </Label>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

function SchemaTable({ fields, onChange }: { fields: DataField[]; onChange: (fields: DataField[]) => void }) {
  const set = (i: number, f: DataField) => onChange(fields.map((old, j) => (j === i ? f : old)));
  return (
    <div className="flex flex-col gap-1">
      <div className="grid grid-cols-[1fr_10rem_5rem_2rem] gap-2 text-xs font-medium text-muted-foreground">
        <span>Column</span>
        <span>Type</span>
        <span>Nullable</span>
        <span />
      </div>
      {fields.map((f, i) => {
        const nullable = f.type.kind === 'Option';
        const inner: DataType = f.type.kind === 'Option' ? f.type.inner : f.type;
        const simple = (SIMPLE_TYPES as readonly string[]).includes(inner.kind) && Object.keys(inner).length === 1;
        const wrap = (t: DataType, opt: boolean): DataType => (opt ? { kind: 'Option', inner: t } : t);
        return (
          <div key={i} className="grid grid-cols-[1fr_10rem_5rem_2rem] items-center gap-2">
            <Input className="font-mono text-xs" value={f.name} aria-label={`Field ${i + 1} name`} onChange={(e) => set(i, { ...f, name: e.target.value })} />
            {simple ? (
              <Select value={inner.kind} aria-label={`Field ${i + 1} type`} onChange={(e) => set(i, { ...f, type: wrap({ kind: e.target.value } as DataType, nullable) })}>
                {SIMPLE_TYPES.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </Select>
            ) : (
              <span className="truncate font-mono text-xs" title="Edit this type in YAML">
                {describeDataType(inner)}
              </span>
            )}
            <input type="checkbox" checked={nullable} aria-label={`Field ${i + 1} nullable`} onChange={(e) => set(i, { ...f, type: wrap(inner, e.target.checked) })} />
            <Button type="button" variant="ghost" size="icon" aria-label={`Remove field ${i + 1}`} onClick={() => onChange(fields.filter((_, j) => j !== i))}>
              <Trash2 />
            </Button>
          </div>
        );
      })}
      <Button type="button" variant="outline" size="sm" className="self-start" onClick={() => onChange([...fields, { name: '', type: { kind: 'String' } }])}>
        <Plus /> Add field
      </Button>
    </div>
  );
}

/** What one DDL entry declares, as ODF types, or why it does not convert. */
function describeDdlEntry(entry: string): { ok: boolean; text: string } {
  try {
    return { ok: true, text: ddlToDataSchema([entry]).fields.map((f) => `${f.name}: ${describeDataType(f.type)}`).join(', ') };
  } catch (err) {
    if (err instanceof DdlSchemaError) return { ok: false, text: err.reason };
    throw err;
  }
}

/**
 * Kamu's DDL column list (`ddlSchema`, or the older list under `schema`), edited as DDL: one entry
 * per column, each shown with the ODF type it becomes. It stays DDL; fields are not mixed in.
 */
function DdlTable({ columns, onChange }: { columns: string[]; onChange: (columns: string[]) => void }) {
  return (
    <div className="flex flex-col gap-1" data-testid="ddl-columns">
      <div className="grid grid-cols-[1fr_1fr_2rem] gap-2 text-xs font-medium text-muted-foreground">
        <span>Column (DDL: name TYPE [NOT NULL])</span>
        <span>Becomes</span>
        <span />
      </div>
      {columns.map((entry, i) => {
        const described = describeDdlEntry(entry);
        return (
          <div key={i} className="grid grid-cols-[1fr_1fr_2rem] items-center gap-2">
            <Input className="font-mono text-xs" value={entry} placeholder="name TYPE" aria-label={`DDL column ${i + 1}`} onChange={(e) => onChange(columns.map((old, j) => (j === i ? e.target.value : old)))} />
            <span className={cn('truncate font-mono text-xs', described.ok ? 'text-muted-foreground' : 'text-destructive')} title={described.text} data-testid={`ddl-column-${i + 1}-type`}>
              {described.text}
            </span>
            <Button type="button" variant="ghost" size="icon" aria-label={`Remove column ${i + 1}`} onClick={() => onChange(columns.filter((_, j) => j !== i))}>
              <Trash2 />
            </Button>
          </div>
        );
      })}
      <Button type="button" variant="outline" size="sm" className="self-start" onClick={() => onChange([...columns, ''])}>
        <Plus /> Add field
      </Button>
      <p className="text-xs text-muted-foreground">DDL types: {SUPPORTED_TYPES}. A column is nullable unless it says NOT NULL.</p>
    </div>
  );
}
