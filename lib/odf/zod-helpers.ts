/**
 * Building blocks that give every manifest schema Kamu's parsing rules (`derivations_generated.rs`):
 * - structs are strict (`deny_unknown_fields`): an unknown key is an error that lists the allowed keys;
 * - tagged unions use `kind` (`tag = "kind"`) and plain enums take PascalCase values, and both also accept
 *   the lowerCamel and all-lowercase aliases (`alias = "mqtt"`). Aliases are normalised *before* validation,
 *   so a parsed value always carries the canonical spelling;
 * - "short form" unions (kamu 0.263+) read a bare string `X` as `{kind: X}`.
 * Messages are written here, next to the rule they report, so that any caller of the schemas (YAML parser,
 * JSON API) gets the same wording.
 */
import { z } from 'zod';

/** Maps every accepted spelling (canonical, lowerCamel, all-lowercase) to its canonical PascalCase value. */
function aliasTable(canonical: readonly string[]): ReadonlyMap<string, string> {
  const table = new Map<string, string>();
  for (const value of canonical) {
    table.set(value, value);
    table.set(value.charAt(0).toLowerCase() + value.slice(1), value);
    table.set(value.toLowerCase(), value);
  }
  return table;
}

/** `"text"` for strings, the JSON text for anything else: used to quote offending input in messages. */
export function quoteValue(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

export const nonEmptyString = z.string().min(1, { error: 'must not be empty' });

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Names from manifests written before ODF 1.0, which Kamu no longer reads either (`where.old` → new),
 * so the message says what to write instead.
 */
const PRE_1_0_NAMES: Record<string, string> = {
  'content.id': 'name',
  'transform input.name': 'datasetRef',
  'read.jsonLines': 'NdJson',
};

function pre10Hint(where: string, old: unknown): string {
  const now = typeof old === 'string' ? PRE_1_0_NAMES[`${where}.${old}`] : undefined;
  return now ? ` ("${old}" is the name before ODF 1.0; write "${now}")` : '';
}

function unknownKeysMessage(keys: readonly string[], where: string, allowed: readonly string[]): string {
  const quoted = keys.map((key) => `"${key}"`).join(', ');
  const expected = allowed.length ? `expected one of ${allowed.join(', ')}` : 'no other keys are allowed';
  return `unknown key${keys.length > 1 ? 's' : ''} ${quoted} in ${where}; ${expected}${keys.length === 1 ? pre10Hint(where, keys[0]) : ''}`;
}

/**
 * A strict object. `where` names it in messages (`fetch (Mqtt)`); `listed` are the keys offered as
 * alternatives when an unknown key is found (the `kind` tag is left out of variant lists).
 */
export function odfObject<S extends z.ZodRawShape>(
  where: string,
  shape: S,
  listed: readonly string[] = Object.keys(shape),
) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, where, listed) : undefined),
  });
}

/** A plain enum (`MqttQos`, `TimeUnit`...) that accepts the alias spellings of its values. */
export function aliasedEnum<const T extends readonly [string, ...string[]]>(values: T) {
  const canonical = aliasTable(values);
  return z.preprocess(
    (input) => (typeof input === 'string' ? (canonical.get(input) ?? input) : input),
    z.enum(values, {
      // A missing value is left to the caller's "required" wording.
      error: (issue) =>
        issue.code === 'invalid_value' && issue.input !== undefined
          ? `unknown value ${quoteValue(issue.input)}; expected one of ${values.join(', ')}`
          : undefined,
    }),
  );
}

type Variant<K extends string, S extends z.ZodRawShape> = z.ZodObject<{ kind: z.ZodLiteral<K> } & S, z.core.$strict>;
type Variants<R extends Record<string, z.ZodRawShape>> = {
  [K in keyof R & string]: Variant<K, R[K]>;
}[keyof R & string];

/**
 * A `kind`-tagged union built from `{Kind: shape}`, its kinds listed in messages in that order.
 * `field` names the union in messages: `fetch` gives `fetch (Mqtt)`.
 */
export function taggedUnion<R extends Record<string, z.ZodRawShape>>(
  field: string,
  shapes: R,
  options: { shortForm?: boolean } = {},
) {
  const kinds = Object.keys(shapes);
  const expected = `expected one of ${kinds.join(', ')}`;
  const canonical = aliasTable(kinds);
  const variants = kinds.map((kind) =>
    odfObject(`${field} (${kind})`, { kind: z.literal(kind), ...shapes[kind] }, Object.keys(shapes[kind])),
  ) as unknown as [Variants<R>, ...Variants<R>[]];

  const union = z.discriminatedUnion('kind', variants, {
    error: (issue) => {
      if (issue.code === 'invalid_union') {
        const kind = isRecord(issue.input) ? issue.input.kind : undefined;
        return kind === undefined ? `missing "kind"; ${expected}` : `unknown kind ${quoteValue(kind)}; ${expected}${pre10Hint(field, kind)}`;
      }
      // A missing field is left to the caller's "required" wording.
      if (issue.code === 'invalid_type' && issue.input !== undefined) {
        const form = options.shortForm ? 'a kind name or a mapping with "kind"' : 'a mapping with "kind"';
        return `expected ${form} (one of ${kinds.join(', ')}), got ${quoteValue(issue.input)}`;
      }
      return undefined;
    },
  });

  return z.preprocess((input) => {
    if (options.shortForm && typeof input === 'string') return { kind: canonical.get(input) ?? input };
    if (isRecord(input) && typeof input.kind === 'string' && canonical.has(input.kind)) {
      return { ...input, kind: canonical.get(input.kind) };
    }
    return input;
  }, union);
}
