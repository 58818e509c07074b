/**
 * The YAML library's errors in our own words, at the line the user must change. yaml reports where
 * its parser noticed a problem: an over-indented `port:` surfaces on the line ABOVE (its value looks
 * like it runs on), an unclosed quote at the end of the file. Only the first problem is reported:
 * what follows it is usually a consequence.
 */
import { CST, Lexer, type YAMLError } from 'yaml';
import type { ManifestIssue } from './errors';

type At = (offset: number) => { line: number; column: number };

export function describeYamlError(text: string, errors: readonly YAMLError[], at: At): ManifestIssue {
  const first = [...errors].sort((a, b) => a.pos[0] - b.pos[0])[0];
  const issue = (offset: number, message: string): ManifestIssue => ({ path: [], ...at(offset), message });

  const unclosed = errors.some((e) => (e.code === 'MISSING_CHAR' && /closing ["']quote/.test(e.message)) || /end with a [\]}]/.test(e.message)) ? unclosedOpening(text) : undefined;
  if (unclosed) {
    const mark = text[unclosed.offset];
    const close = { '"': '"', "'": "'", '[': ']', '{': '}' }[mark];
    const what = unclosed.kind === 'quote' ? 'quoted value' : mark === '[' ? 'list' : 'mapping';
    return issue(unclosed.offset, `this ${what} is never closed: add the closing ${close} (without it, everything after the ${mark} is read as part of it)`);
  }
  const lines = text.split('\n');
  const deeper = overIndentedKey(lines, at(first.pos[0]).line);
  if (deeper) {
    const { line, indent, above } = deeper;
    return {
      path: [],
      line,
      column: indent + 1,
      message: `this line is indented ${indent} spaces, deeper than line ${above.line}, whose "${above.key}" already has a value; indent it ${above.indent} spaces, like "${above.key}"`,
    };
  }
  const lineText = lines[at(first.pos[0]).line - 1]?.trim() ?? '';
  switch (first.code) {
    case 'TAB_AS_INDENT':
      return issue(first.pos[0], 'a tab indents this line; YAML is indented with spaces only');
    case 'BAD_INDENT':
      if (/same column/.test(first.message)) return issue(first.pos[0], 'this key is not aligned with the keys before it in the same mapping: indent it exactly like them');
    case 'MULTILINE_IMPLICIT_KEY':
    case 'BLOCK_AS_IMPLICIT_KEY':
      return issue(first.pos[0], `"${lineText}" is not "key: value", so this mapping cannot be read past it (a placeholder like "..." is not YAML)`);
    case 'MISSING_CHAR':
      if (/Implicit map keys/.test(first.message)) return issue(first.pos[0], `"${lineText}" has no value: a key needs ": value" after it (a placeholder like "..." is not YAML)`);
  }
  return issue(first.pos[0], `invalid YAML: ${first.message}`);
}

/** The opening quote of a quoted value that runs to the end of the text, else the first `[` or `{` never closed. */
function unclosedOpening(text: string): { kind: 'quote' | 'flow'; offset: number } | undefined {
  let offset = 0;
  const flows: number[] = [];
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    // Markers (document mode, scalar, flow end) hold no characters of the text.
    if (type === 'doc-mode' || type === 'scalar' || type === 'flow-error-end') continue;
    const q = token[0];
    if ((q === '"' || q === "'") && !isClosed(token)) return { kind: 'quote', offset };
    if (type === 'flow-map-start' || type === 'flow-seq-start') flows.push(offset);
    if (type === 'flow-map-end' || type === 'flow-seq-end') flows.pop();
    offset += token.length;
  }
  return flows.length ? { kind: 'flow', offset: flows[0] } : undefined;
}

function isClosed(token: string): boolean {
  const q = token[0];
  if (token.length < 2 || token.at(-1) !== q) return false;
  if (q === "'") return true; // '' inside is an escaped quote, and the token ends at its real end
  let backslashes = 0;
  for (let i = token.length - 2; i > 0 && token[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 0;
}

const KEY_LINE = /^(\s*)(?:- )?([^\s#'"][^#]*?|"[^"]*"|'[^']*'):(?:\s|$)/;
/** `key: value` with the value complete on its line (not a block scalar, nested collection or anchor). */
const KEY_WITH_VALUE = /^(\s*)(?:- )?([^\s#'"][^#]*?|"[^"]*"|'[^']*'):\s+(?![|>[{&!#])\S/;

/**
 * A line that holds a key (`key:`) indented deeper than the line before it, when that line's key
 * already has its value: YAML then reads it as the continuation of that value. Looked for at or
 * just after the line yaml complained about.
 */
function overIndentedKey(lines: string[], reportedLine: number): { line: number; indent: number; above: { line: number; indent: number; key: string } } | undefined {
  for (let n = reportedLine; n <= reportedLine + 1 && n <= lines.length; n++) {
    const current = KEY_LINE.exec(lines[n - 1]);
    if (!current) continue;
    let p = n - 1;
    while (p >= 1 && /^\s*(#.*)?$/.test(lines[p - 1])) p--;
    const above = p >= 1 ? KEY_WITH_VALUE.exec(lines[p - 1]) : null;
    if (above && current[1].length > above[1].length) {
      return { line: n, indent: current[1].length, above: { line: p, indent: above[1].length, key: above[2] } };
    }
  }
  return undefined;
}
