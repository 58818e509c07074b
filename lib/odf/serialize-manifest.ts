/**
 * `serializeManifest`: DatasetSnapshot → canonical manifest YAML (envelope `kind`/`version`/`content`,
 * PascalCase kinds, keys in Kamu's field order, absent optional fields omitted).
 *
 * The snapshot is run through the manifest schema first: that validates it, and the schema's shapes
 * (declared in Kamu's field order) fix the key order, so the order has one source of truth.
 */
import { stringify } from 'yaml';
import { flattenIssues, manifestErrorMap } from './manifest-issues';
import { MANIFEST_KIND, MANIFEST_VERSION, manifestSchema, type DatasetSnapshot } from './manifest-schema';

export function serializeManifest(snapshot: DatasetSnapshot): string {
  const result = manifestSchema.safeParse(
    { kind: MANIFEST_KIND, version: MANIFEST_VERSION, content: snapshot },
    { error: manifestErrorMap },
  );
  if (!result.success) {
    const problems = flattenIssues(result.error.issues).map((issue) => issue.message);
    throw new TypeError(`serializeManifest: not a valid DatasetSnapshot:\n  ${problems.join('\n  ')}`);
  }
  // lineWidth 0: never fold long lines (SQL queries, URLs). No anchors/aliases: Kamu manifests never use them.
  return stringify(result.data, { lineWidth: 0, aliasDuplicateObjects: false });
}
