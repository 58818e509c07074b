/**
 * `parseManifest`: DatasetSnapshot manifest text (YAML, or JSON, which is a subset) → validated, canonical
 * DatasetSnapshot, or a `ManifestError` whose issues point at the offending line and column.
 */
import { LineCounter, parseAllDocuments, type Document, type ScalarTag, type Tags } from 'yaml';
import { ManifestError, type ManifestIssue } from './errors';
import { flattenIssues, manifestErrorMap } from './manifest-issues';
import { manifestSchema, type DatasetSnapshot } from './manifest-schema';
import { locatePath } from './yaml-locate';

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

export function parseManifest(text: string): DatasetSnapshot {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, customTags: odfNullTag });
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
  if (doc.errors.length > 0) {
    throw new ManifestError(
      doc.errors.map((error) => ({ path: [], ...at(error.pos[0]), message: `invalid YAML: ${error.message}` })),
    );
  }

  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    // e.g. yaml's guard against alias-expansion bombs ("excessive alias count")
    throw new ManifestError([{ path: [], line: 1, column: 1, message: `invalid YAML: ${(error as Error).message}` }]);
  }
  const result = manifestSchema.safeParse(value, { error: manifestErrorMap });
  if (result.success) return result.data.content;

  const issues: ManifestIssue[] = flattenIssues(result.error.issues).map((issue) => ({
    path: issue.path,
    ...at(locatePath(doc, issue.path, { atKey: issue.atKey })),
    message: issue.message,
  }));
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  throw new ManifestError(issues);
}
