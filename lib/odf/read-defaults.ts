/**
 * Effective reader options: the parsed ReadStep keeps absent fields absent (so it exports as written);
 * readers call these to get ODF's documented defaults filled in.
 */
import type { ReadStepCsv, ReadStepJson, ReadStepNdJson } from './read-step-schema';

type ReadOptions<T> = Required<Omit<T, 'kind' | 'schema' | 'ddlSchema'>>;

export type CsvOptions = ReadOptions<ReadStepCsv>;
export type JsonOptions = Omit<ReadOptions<ReadStepJson>, 'subPath'> & { subPath?: string };
export type NdJsonOptions = ReadOptions<ReadStepNdJson>;

const TEXT_DEFAULTS = { encoding: 'utf8', dateFormat: 'rfc3339', timestampFormat: 'rfc3339' } as const;

export const CSV_DEFAULTS: CsvOptions = {
  separator: ',',
  encoding: TEXT_DEFAULTS.encoding,
  quote: '"',
  escape: '\\',
  header: false,
  inferSchema: false,
  nullValue: '',
  dateFormat: TEXT_DEFAULTS.dateFormat,
  timestampFormat: TEXT_DEFAULTS.timestampFormat,
};

export function csvOptions(read: ReadStepCsv): CsvOptions {
  return {
    separator: read.separator ?? CSV_DEFAULTS.separator,
    encoding: read.encoding ?? CSV_DEFAULTS.encoding,
    quote: read.quote ?? CSV_DEFAULTS.quote,
    escape: read.escape ?? CSV_DEFAULTS.escape,
    header: read.header ?? CSV_DEFAULTS.header,
    inferSchema: read.inferSchema ?? CSV_DEFAULTS.inferSchema,
    nullValue: read.nullValue ?? CSV_DEFAULTS.nullValue,
    dateFormat: read.dateFormat ?? CSV_DEFAULTS.dateFormat,
    timestampFormat: read.timestampFormat ?? CSV_DEFAULTS.timestampFormat,
  };
}

/** `subPath` has no default: absent means the document root is the array of records. */
export function jsonOptions(read: ReadStepJson): JsonOptions {
  return {
    ...(read.subPath !== undefined && { subPath: read.subPath }),
    ...textOptions(read),
  };
}

export function ndJsonOptions(read: ReadStepNdJson): NdJsonOptions {
  return textOptions(read);
}

function textOptions(read: ReadStepJson | ReadStepNdJson): NdJsonOptions {
  return {
    dateFormat: read.dateFormat ?? TEXT_DEFAULTS.dateFormat,
    encoding: read.encoding ?? TEXT_DEFAULTS.encoding,
    timestampFormat: read.timestampFormat ?? TEXT_DEFAULTS.timestampFormat,
  };
}
