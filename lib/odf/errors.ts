/**
 * Errors thrown by `lib/odf`. Each carries a stable `code` so one mapping function at the app boundary can
 * turn it into a response without `instanceof` chains across packages.
 */

/** One problem in a manifest. `line`/`column` are 1-based and point at the offending key or value. */
export interface ManifestIssue {
  path: (string | number)[];
  line: number;
  column: number;
  message: string;
}

/** Marks a ManifestError whichever copy of this module made it (see SluiceError's brand). */
const MANIFEST_ERROR = Symbol.for('sluice.ManifestError');

/** Thrown by `parseManifest` when the text is not valid YAML/JSON or not a valid DatasetSnapshot manifest. */
export class ManifestError extends Error {
  readonly [MANIFEST_ERROR] = true;
  readonly code = 'MANIFEST_INVALID';
  override readonly name = 'ManifestError';

  constructor(readonly issues: ManifestIssue[]) {
    const lines = issues.map((issue) => `  line ${issue.line}, column ${issue.column}: ${issue.message}`);
    super(`Invalid manifest (${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}):\n${lines.join('\n')}`);
  }
}

export function isManifestError(err: unknown): err is ManifestError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[MANIFEST_ERROR] === true;
}

/**
 * Thrown by `ddlToDataSchema` for a DDL column list it cannot convert. `index` is the offending entry of the
 * list; `reason` is the message without the entry prefix, for callers that report the position themselves.
 */
export class DdlSchemaError extends Error {
  readonly code = 'DDL_SCHEMA_INVALID';
  override readonly name = 'DdlSchemaError';

  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(`DDL schema entry ${index}: ${reason}`);
  }
}

/** A `${{ }}` template none of whose alternatives resolved. The message names variables, never values. */
export class TemplateValueNotFoundError extends Error {
  readonly code = 'TEMPLATE_VALUE_NOT_FOUND';
  override readonly name = 'TemplateValueNotFoundError';

  constructor(
    readonly template: string,
    readonly variables: string[],
  ) {
    super(
      `no value for template "${template}": ` +
        (variables.length === 1
          ? `environment variable ${variables[0]} is not set`
          : `none of the environment variables ${variables.join(', ')} is set`),
    );
  }
}

/** A `${{ }}` template with an alternative that is not `env.NAME`, a number or a single-quoted string. */
export class TemplateInvalidPatternError extends Error {
  readonly code = 'TEMPLATE_INVALID_PATTERN';
  override readonly name = 'TemplateInvalidPatternError';

  constructor(
    readonly template: string,
    readonly pattern: string,
  ) {
    super(
      `invalid template alternative "${pattern}" in "${template}"; ` +
        "expected env.NAME (letters, digits, _ or -), a number or a 'single-quoted string'",
    );
  }
}
