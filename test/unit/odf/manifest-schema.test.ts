import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  csvOptions,
  dataTypeSchema,
  fetchStepSchema,
  jsonOptions,
  mergeStrategySchema,
  metadataEventSchema,
  ndJsonOptions,
  readStepSchema,
  type DataType,
} from '../../../lib/odf';

describe('manifest schemas used directly (e.g. on JSON input)', () => {
  it('types the DataType schema as the data-type.ts DataType', () => {
    const schema: z.ZodType<DataType> = dataTypeSchema;
    const parsed: DataType = schema.parse({ kind: 'list', itemType: 'uint64', fixedLength: 3 });
    expect(parsed).toEqual({ kind: 'List', itemType: { kind: 'UInt64' }, fixedLength: 3 });
  });

  it.each([
    ['filesGlob', 'FilesGlob'],
    ['filesglob', 'FilesGlob'],
    ['FilesGlob', 'FilesGlob'],
  ])('accepts the kind alias %s', (alias, canonical) => {
    expect(fetchStepSchema.parse({ kind: alias, path: '/data/*.csv', order: 'byname' })).toEqual({
      kind: canonical,
      path: '/data/*.csv',
      order: 'ByName',
    });
  });

  it.each(['ndJson', 'ndjson', 'NdJson'])('accepts the read kind %s', (alias) => {
    expect(readStepSchema.parse({ kind: alias })).toEqual({ kind: 'NdJson' });
  });

  it('accepts the alias spellings of every merge strategy', () => {
    expect(mergeStrategySchema.parse({ kind: 'changelogstream', primaryKey: ['k'] })).toEqual({
      kind: 'ChangelogStream',
      primaryKey: ['k'],
    });
    expect(mergeStrategySchema.parse({ kind: 'upsertStream', primaryKey: ['k'] })).toEqual({
      kind: 'UpsertStream',
      primaryKey: ['k'],
    });
    expect(mergeStrategySchema.parse({ kind: 'append' })).toEqual({ kind: 'Append' });
  });

  it('expands short forms of EventTimeSource and SourceCaching, also in alias spelling', () => {
    expect(fetchStepSchema.parse({ kind: 'url', url: 'http://x', eventTime: 'fromMetadata', cache: 'forever' })).toEqual({
      kind: 'Url',
      url: 'http://x',
      eventTime: { kind: 'FromMetadata' },
      cache: { kind: 'Forever' },
    });
  });

  it('gives its own messages without the YAML layer', () => {
    const result = fetchStepSchema.safeParse({ kind: 'Mqtt', hots: 'h', port: 1, topics: [{ path: 't' }] });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toContain(
      'unknown key "hots" in fetch (Mqtt); expected one of host, port, username, password, topics',
    );
  });

  it('does not mutate its input when normalising aliases', () => {
    const input = { kind: 'setinfo', keywords: ['a'] };
    expect(metadataEventSchema.parse(input)).toEqual({ kind: 'SetInfo', keywords: ['a'] });
    expect(input.kind).toBe('setinfo');
  });
});

describe('reader defaults stay out of the parsed value', () => {
  it('fills CSV defaults only through csvOptions', () => {
    const read = readStepSchema.parse({ kind: 'csv', header: true });
    expect(read).toEqual({ kind: 'Csv', header: true });
    if (read.kind !== 'Csv') throw new Error('unreachable');
    expect(csvOptions(read)).toEqual({
      separator: ',',
      encoding: 'utf8',
      quote: '"',
      escape: '\\',
      header: true,
      inferSchema: false,
      nullValue: '',
      dateFormat: 'rfc3339',
      timestampFormat: 'rfc3339',
    });
  });

  it('fills JSON and NdJson defaults, keeping subPath optional', () => {
    expect(jsonOptions({ kind: 'Json' })).toEqual({ dateFormat: 'rfc3339', encoding: 'utf8', timestampFormat: 'rfc3339' });
    expect(jsonOptions({ kind: 'Json', subPath: 'data.items', encoding: 'latin1' })).toEqual({
      subPath: 'data.items',
      dateFormat: 'rfc3339',
      encoding: 'latin1',
      timestampFormat: 'rfc3339',
    });
    expect(ndJsonOptions({ kind: 'NdJson', timestampFormat: '%s' })).toEqual({
      dateFormat: 'rfc3339',
      encoding: 'utf8',
      timestampFormat: '%s',
    });
  });
});
