'use client';

import { FileDown, FileUp, Save } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useDeferredValue, useMemo, useRef, useState, useTransition } from 'react';
import { stringify } from 'yaml';
import { Button } from '@/app/_components/ui/button';
import { Card } from '@/app/_components/ui/card';
import { isManifestError, type ManifestIssue } from '@/lib/odf/errors';
import { parseManifest, serializeManifest, type DatasetSnapshot } from '@/lib/odf';
import { patchManifestYaml } from '@/lib/odf/patch-manifest-yaml';
import type { ActionResult } from '@/lib/server/action-result';
import { SourceForm } from './source-form';
import { CodeEditor } from '../code-editor';
import { saveBlob } from '@/lib/browser/save-blob';

type Parsed = { ok: true; snapshot: DatasetSnapshot } | { ok: false; issues: ManifestIssue[] };

function parse(text: string): Parsed {
  try {
    return { ok: true, snapshot: parseManifest(text) };
  } catch (err) {
    if (isManifestError(err)) return { ok: false, issues: err.issues };
    return { ok: false, issues: [{ path: [], line: 1, column: 1, message: (err as Error).message }] };
  }
}

/**
 * The whole snapshot as YAML, where the text cannot be patched. A snapshot the schema rejects (a
 * half-filled form) is written without canonical ordering so the YAML pane can point at what is missing.
 */
function toYaml(snapshot: DatasetSnapshot): string {
  try {
    return serializeManifest(snapshot);
  } catch {
    return stringify({ kind: 'DatasetSnapshot', version: 1, content: snapshot }, { lineWidth: 0 });
  }
}

/**
 * A Kamu manifest as a step form and as YAML, kept in sync: editing either updates the other (the
 * form only while the YAML parses). Import by file or paste, export the canonical YAML, save.
 */
export function ManifestEditor({ initialYaml, nameEditable, save, saveLabel }: {
  initialYaml: string;
  nameEditable: boolean;
  /** `open`: the page to go to after saving (a new dataset's); without it the page refreshes. */
  save: (yaml: string) => Promise<ActionResult<{ name: string; message: string; open?: string }>>;
  saveLabel: string;
}) {
  const router = useRouter();
  const [text, setText] = useState(initialYaml);
  const deferred = useDeferredValue(text);
  const parsed = useMemo(() => parse(deferred), [deferred]);
  // The form edits its own snapshot (which may be half-filled and invalid); YAML that parses replaces it.
  const [formSnapshot, setFormSnapshot] = useState<DatasetSnapshot | null>(() => {
    const p = parse(initialYaml);
    return p.ok ? p.snapshot : null;
  });
  const [yamlBroken, setYamlBroken] = useState(false);
  const onYamlChange = (t: string) => {
    setText(t);
    const p = parse(t);
    setYamlBroken(!p.ok);
    if (p.ok) setFormSnapshot(p.snapshot);
  };
  // A form edit changes only its own lines of the YAML (see patchManifestYaml): the rest of the
  // text, such as Kamu's DDL list under `schema:`, stays as the user wrote it.
  const onFormChange = (snapshot: DatasetSnapshot) => {
    setText((formSnapshot && patchManifestYaml(text, formSnapshot, snapshot)) ?? toYaml(snapshot));
    setFormSnapshot(snapshot);
    setYamlBroken(false);
  };

  const [serverIssues, setServerIssues] = useState<ManifestIssue[]>([]);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [pending, startTransition] = useTransition();
  const file = useRef<HTMLInputElement>(null);
  const issues = parsed.ok ? serverIssues : parsed.issues;

  const onSave = () =>
    startTransition(async () => {
      const r = await save(text);
      setServerIssues(r.ok ? [] : (r.issues ?? []));
      setResult(r.ok ? { ok: true, text: r.data.message } : { ok: false, text: `${r.code}: ${r.message}` });
      if (r.ok && r.data.open) router.push(r.data.open);
      else if (r.ok) router.refresh();
    });
  const download = () => {
    const body = parsed.ok ? serializeManifest(parsed.snapshot) : text;
    saveBlob(new Blob([body], { type: 'application/yaml' }), `${parsed.ok ? parsed.snapshot.name : 'manifest'}.yaml`);
  };

  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center gap-2">
        <input
          ref={file}
          type="file"
          accept=".yaml,.yml,.json,text/yaml,application/json"
          className="hidden"
          aria-label="Manifest file"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (f) onYamlChange(await f.text());
            e.target.value = '';
          }}
        />
        <Button type="button" variant="outline" size="sm" onClick={() => file.current?.click()}>
          <FileUp /> Import file
        </Button>
        <Button type="button" variant="outline" size="sm" onClick={download}>
          <FileDown /> Export YAML
        </Button>
        <span className="text-xs text-muted-foreground">or paste a Kamu manifest into the YAML editor</span>
        <Button className="ml-auto" onClick={onSave} disabled={pending || !parsed.ok} title="Ctrl/Cmd+Enter in the editor">
          <Save /> {saveLabel}
        </Button>
      </div>
      {result ? (
        <p className={result.ok ? 'text-sm text-success' : 'text-sm text-destructive'} role="status" data-testid="save-result">
          {result.text}
        </p>
      ) : null}
      <div className="grid gap-3 lg:grid-cols-2">
        <Card className={yamlBroken ? 'opacity-60' : undefined}>
          {formSnapshot ? (
            <fieldset disabled={yamlBroken} title={yamlBroken ? 'Fix the YAML to use the form' : undefined}>
              <SourceForm snapshot={formSnapshot} nameEditable={nameEditable} onChange={onFormChange} />
            </fieldset>
          ) : (
            <p className="p-3 text-sm text-muted-foreground">Fix the YAML to use the form.</p>
          )}
        </Card>
        <div className="flex flex-col gap-1">
          <CodeEditor language="yaml" label="Manifest YAML" className="h-full min-h-[480px]" value={text} onChange={onYamlChange} issues={issues} onSubmit={() => parsed.ok && onSave()} />
          <ul className="text-xs text-destructive" data-testid="manifest-issues">
            {issues.map((i, n) => (
              <li key={n}>
                line {i.line}, column {i.column}: {i.message}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}
