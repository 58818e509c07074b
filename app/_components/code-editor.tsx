'use client';

import { json } from '@codemirror/lang-json';
import { sql } from '@codemirror/lang-sql';
import { yaml } from '@codemirror/lang-yaml';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import type { CompletionSource } from '@codemirror/autocomplete';
import { EditorState } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { EditorView, basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';
import type { ManifestIssue } from '@/lib/odf/errors';
import { cn } from './ui/cn';

/** Colours from the app's theme variables, so the editor follows light and dark mode. */
const theme = EditorView.theme({
  '&': { backgroundColor: 'var(--background)', color: 'var(--foreground)', fontSize: '12px', height: '100%' },
  '.cm-content': { fontFamily: 'var(--font-mono)', caretColor: 'var(--foreground)' },
  '.cm-gutters': { backgroundColor: 'var(--muted)', color: 'var(--muted-foreground)', border: 'none' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'color-mix(in oklch, var(--accent) 60%, transparent)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': { backgroundColor: 'color-mix(in oklch, var(--primary) 25%, transparent)' },
});

/** Token colours from theme variables too (CodeMirror's default style is for light backgrounds only). */
const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: 'var(--primary)' },
  { tag: [tags.string, tags.content], color: 'var(--foreground)' },
  { tag: [tags.number, tags.bool, tags.null], color: 'var(--success)' },
  { tag: tags.comment, color: 'var(--muted-foreground)', fontStyle: 'italic' },
  { tag: [tags.punctuation, tags.separator], color: 'var(--muted-foreground)' },
]);

/** A problem to mark in the text (1-based line and column). */
export type CodeIssue = Pick<ManifestIssue, 'line' | 'column' | 'message'>;

/**
 * CodeMirror 6 for YAML manifests, JSON payloads and SQL, with problems shown at their line and column.
 * Controlled: `value` replaces the text when it differs from what the editor holds. Ctrl/Cmd+Enter
 * calls `onSubmit`.
 */
export function CodeEditor({ value, onChange, issues = [], language, onSubmit, completions, label, className }: {
  value: string;
  onChange: (text: string) => void;
  issues?: CodeIssue[];
  language: 'yaml' | 'json' | 'sql';
  onSubmit?: () => void;
  /** Completions beside the language's own (e.g. dataset and column names in SQL). */
  completions?: CompletionSource;
  label: string;
  className?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const onSubmitRef = useRef(onSubmit);
  onSubmitRef.current = onSubmit;
  const completionsRef = useRef(completions);
  completionsRef.current = completions;
  // Set while `value` is written into the editor: only a person's edits are reported back.
  const applying = useRef(false);

  useEffect(() => {
    const editor = new EditorView({
      doc: value,
      parent: host.current!,
      extensions: [
        keymap.of([{ key: 'Mod-Enter', run: () => (onSubmitRef.current?.(), true) }]),
        basicSetup,
        { yaml, json, sql }[language](),
        EditorState.languageData.of(() => [{ autocomplete: (ctx: Parameters<CompletionSource>[0]) => completionsRef.current?.(ctx) ?? null }]),
        EditorView.contentAttributes.of({ 'aria-label': label }),
        lintGutter(),
        theme,
        syntaxHighlighting(highlight),
        EditorView.updateListener.of((u) => {
          if (u.docChanged && !applying.current) onChangeRef.current(u.state.doc.toString());
        }),
      ],
    });
    view.current = editor;
    return () => editor.destroy();
    // The editor is created once; later values arrive through the effect below.
  }, []);

  useEffect(() => {
    const editor = view.current!;
    if (editor.state.doc.toString() === value) return;
    applying.current = true;
    editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
    applying.current = false;
  }, [value]);

  useEffect(() => {
    const editor = view.current!;
    const doc = editor.state.doc;
    const diagnostics: Diagnostic[] = issues.map((i) => {
      const line = doc.line(Math.min(Math.max(1, i.line), doc.lines));
      const from = Math.min(line.from + Math.max(0, i.column - 1), line.to);
      return { from, to: Math.max(from, line.to), severity: 'error', message: i.message };
    });
    editor.dispatch(setDiagnostics(editor.state, diagnostics));
  }, [issues, value]);

  return <div ref={host} className={cn('overflow-auto rounded-md border', className)} data-testid={`${language}-editor`} />;
}
