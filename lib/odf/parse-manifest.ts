/**
 * `parseManifest`: DatasetSnapshot manifest text (YAML, or JSON, which is a subset) → validated, canonical
 * DatasetSnapshot, or a `ManifestError` whose issues point at the offending line and column. The one entry for
 * manifest text (console, CLI, editor), so its limits (`manifest-limits.ts`) hold everywhere: any text is
 * parsed or refused in milliseconds.
 */
import { LineCounter, parseAllDocuments, type Document, type ScalarTag, type Tags } from 'yaml';
import { ManifestError, type ManifestIssue } from './errors';
import { MANIFEST_LIMITS, checkManifestLimits } from './manifest-limits';
import { describePath, flattenIssues, manifestErrorMap } from './manifest-issues';
import { manifestSchema, type DatasetSnapshot } from './manifest-schema';
import { findAliasExpansionOverflow } from './yaml-alias-expansion';
import { locatePath } from './yaml-locate';
import { describeYamlError } from './yaml-errors';
import { findDuplicateKeys } from './yaml-unique-keys';

const NULL_TAG = 'tag:yaml.org,2002:null';

/**
 * YAML 1.2 reads `Null` and `NULL` as null, but in a manifest `type: Null` is the ODF Null type (Kamu's
 * serde reads it as a string). Only `null`, `~` and an empty value mean null here.
 */
function odfNullTag(tags: Tags): Tags {
  return tags.map((tag) =>
    typeof tag === 'object' && tag.tag === NULL_TAG ? ({ ...tag, test: /^(?:~|null)?$/ } as ScalarTag) : tag,
  );
}

/**
 * `firstLine`: the line of a larger text (a multi-document stream) where `text` starts, so every
 * position and message names that text's lines.
 */
export function parseManifest(manifest: string, { firstLine = 1 }: { firstLine?: number } = {}): DatasetSnapshot {
  try {
    checkManifestLimits(manifest);
  } catch (err) {
    if (!(err instanceof ManifestError) || firstLine === 1) throw err;
    throw new ManifestError(err.issues.map((issue) => ({ ...issue, line: issue.line + firstLine - 1 })));
  }
  // Leading newlines put the document on its own lines of the stream (they cost nothing to parse).
  const text = firstLine > 1 ? '\n'.repeat(firstLine - 1) + manifest : manifest;
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    customTags: odfNullTag,
    uniqueKeys: false, // yaml's check is quadratic; documentIssues runs a linear one
  });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: Math.max(line, 1), column: col };
  };

  if (documents.length === 0 || (documents.length === 1 && documents[0].contents === null)) {
    const message = 'the manifest is empty; expected a mapping with kind, version and content';
    throw new ManifestError([{ path: [], line: 1, column: 1, message }]);
  }
  if (documents.length > 1) {
    throw new ManifestError([
      {
        path: [],
        ...at(documents[1].range[0]),
        message: `found ${documents.length} YAML documents; a manifest must contain exactly one`,
      },
    ]);
  }

  const doc: Document.Parsed = documents[0];
  const yamlIssues = documentIssues(text, doc, at);
  if (yamlIssues.length > 0) throw new ManifestError(sortByPosition(yamlIssues));

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MANIFEST_LIMITS.aliases });
  } catch (error) {
    // yaml's own guard against alias-expansion bombs ("excessive alias count"), stricter than ours for
    // aliases nested in anchors
    throw new ManifestError([{ path: [], line: 1, column: 1, message: `invalid YAML: ${(error as Error).message}` }]);
  }
  const result = manifestSchema.safeParse(value, { error: manifestErrorMap });
  if (result.success) return result.data.content;

  const issues: ManifestIssue[] = flattenIssues(result.error.issues).map((issue) => ({
    path: issue.path,
    ...at(locatePath(doc, issue.path, { atKey: issue.atKey })),
    message: issue.message,
  }));
  throw new ManifestError(sortByPosition(issues));
}

/**
 * What makes the YAML document itself unacceptable: yaml's first error (in our words), repeated keys (yaml's own
 * check is off, see above) and aliases that expand it beyond `MANIFEST_LIMITS.entries`.
 */
function documentIssues(text: string, doc: Document.Parsed, at: (offset: number) => { line: number; column: number }): ManifestIssue[] {
  if (doc.errors.length > 0) return [describeYamlError(text, doc.errors, at)];
  const issues: ManifestIssue[] = [];
  for (const { path, offset, firstOffset } of findDuplicateKeys(doc)) {
    const first = at(firstOffset);
    const message = `${describePath(path)}: duplicate key; it is first given at line ${first.line}, column ${first.column}`;
    issues.push({ path, ...at(offset), message });
  }
  if (issues.length > 0) return issues;

  const overflowAt = findAliasExpansionOverflow(doc, MANIFEST_LIMITS.entries);
  if (overflowAt === null) return [];
  const limit = MANIFEST_LIMITS.entries;
  const message = `the manifest has more than ${limit} keys and list items once its aliases are expanded; at most ${limit} are accepted`;
  return [{ path: [], ...at(overflowAt), message }];
}

function sortByPosition(issues: ManifestIssue[]): ManifestIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}
