/**
 * Turns zod issues into manifest issues: one readable message each, prefixed with where it happened
 * (`fetch.port: ...`), plus the source position when the YAML document is known.
 */
import { z } from 'zod';

/** Wording for the generic zod checks; the schemas word their own rules (unknown keys, kinds, values). */
export const manifestErrorMap: z.core.$ZodErrorMap = (issue) => {
  const missing = issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
  if (missing) return 'required field is missing';
  if (issue.code === 'invalid_type') {
    return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'number') {
    return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${issue.minimum}`;
  }
  if (issue.code === 'too_big' && issue.origin === 'number') {
    return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
  }
  return undefined;
};

const EXPECTED: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  record: 'a mapping',
};

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** One issue located on the manifest value. `atKey`: the path ends at an unknown key, not at a value. */
export interface LocatedIssue {
  path: (string | number)[];
  message: string;
  atKey: boolean;
}

/**
 * Flattens zod issues into one entry per problem. Unknown keys are reported at the (first) unknown key;
 * a non-discriminated union (only `read.schema`) whose input matched one branch's type reports that
 * branch's own issues rather than "invalid input".
 */
export function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: (string | number)[] = []): LocatedIssue[] {
  return issues.flatMap((issue): LocatedIssue[] => {
    const path = [...prefix, ...issue.path.map(pathSegment)];
    if (issue.code === 'unrecognized_keys') {
      return [{ path: [...path, issue.keys[0]], message: issue.message, atKey: true }];
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const typeMatched = issue.errors.filter(
        (branch) => !branch.some((inner) => inner.code === 'invalid_type' && inner.path.length === 0),
      );
      if (typeMatched.length === 1) return flattenIssues(typeMatched[0], path);
    }
    return [{ path, message: `${describePath(path)}: ${issue.message}`, atKey: false }];
  });
}

function pathSegment(segment: PropertyKey): string | number {
  return typeof segment === 'number' ? segment : String(segment);
}

/**
 * The last two named levels of a path, e.g. `fetch.port`, `topics[0].qos`, `metadata[1].kind`: enough to
 * find the spot, short enough to read.
 */
export function describePath(path: readonly (string | number)[]): string {
  if (path.length === 0) return 'manifest';
  const named = path.flatMap((segment, i) => (typeof segment === 'string' ? [i] : []));
  const from = named.length >= 2 ? named[named.length - 2] : 0;
  return path
    .slice(from)
    .map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join('');
}
