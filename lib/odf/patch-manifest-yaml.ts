/**
 * `patchManifestYaml`: writes a form's edit of a DatasetSnapshot back into the manifest text the
 * user has, changing only what the edit changed. Everything else keeps its text: comments, key
 * order, quoting, alias spellings (`kind: mqtt`), and the form a schema was written in — Kamu's
 * DDL list under `schema:` stays there, although the parsed snapshot holds it as `ddlSchema`.
 * Re-serializing the whole snapshot would rewrite all of that on every keystroke.
 */
import { Document, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import type { DatasetSnapshot } from './manifest-schema';

type Path = (string | number)[];

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same(a[k], b[k]));
  }
  return false;
}

/**
 * The manifest text with `before` → `after` applied, or undefined when the text is not one YAML
 * document with a `content` mapping (the caller then serializes `after` afresh). `before` must be
 * what the text parses to (or the form's previous edit of it).
 */
export function patchManifestYaml(text: string, before: DatasetSnapshot, after: DatasetSnapshot): string | undefined {
  let doc: Document = parseDocument(text);
  if (doc.errors.length > 0) return undefined;
  // JSON (an imported .json manifest) is one flow mapping: edit it as block YAML instead.
  if (isMap(doc.contents) && doc.contents.flow) doc = new Document(doc.toJS());
  if (!isMap(doc.getIn(['content'], true))) return undefined;
  patch(doc, before, after, ['content']);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function patch(doc: Document, before: unknown, after: unknown, at: Path): void {
  if (same(before, after)) return;
  const node = doc.getIn(at, true) as Node | undefined;
  if (after === undefined) {
    doc.deleteIn(at);
  } else if (isPlainObject(before) && isPlainObject(after) && isMap(node)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      patch(doc, before[key], after[key], [...at, yamlKey(node, key)]);
    }
  } else if (Array.isArray(before) && Array.isArray(after) && isSeq(node) && node.items.length === before.length) {
    patchList(doc, before, after, at);
  } else if (isScalar(node) && !isPlainObject(after) && !Array.isArray(after)) {
    // A new scalar value keeps the node (and its comment), not its quoting: `""` once quoted for
    // being empty must not stay quoted as "device STRING".
    node.value = after;
    node.type = undefined;
  } else {
    // A new value, or a short form in the text (`merge: Append`) that an edit expands.
    doc.setIn(at, after);
  }
}

/** Element-wise where the lengths match; an append or a single removal touches only that item. */
function patchList(doc: Document, before: unknown[], after: unknown[], at: Path): void {
  if (after.length === before.length) {
    after.forEach((item, i) => patch(doc, before[i], item, [...at, i]));
  } else if (after.length > before.length && before.every((item, i) => same(item, after[i]))) {
    for (let i = before.length; i < after.length; i++) doc.addIn(at, after[i]);
  } else if (after.length === before.length - 1) {
    const removed = after.findIndex((item, i) => !same(item, before[i]));
    const i = removed < 0 ? after.length : removed;
    if (after.slice(i).every((item, j) => same(item, before[i + j + 1]))) doc.deleteIn([...at, i]);
    else doc.setIn(at, after);
  } else {
    doc.setIn(at, after);
  }
}

/** A snapshot key's key in the text: the parsed `ddlSchema` is the legacy DDL list under `schema` when written so. */
function yamlKey(map: Node, key: string): string {
  if (key === 'ddlSchema' && isMap(map) && !map.has('ddlSchema') && isSeq(map.get('schema', true))) return 'schema';
  return key;
}
