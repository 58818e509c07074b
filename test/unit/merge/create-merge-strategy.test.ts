import { describe, expect, it } from 'vitest';
import { createMergeStrategy } from '../../../lib/ingest/merge/create-merge-strategy';
import { type MergeContext, type MergeStrategyConfig, MergeError } from '../../../lib/ingest/merge/merge-strategy';
import { DEFAULT_VOCAB } from '../../../lib/odf/vocab';
import { CTX, CTX_WITH_OP, FIELDS } from './merge-fixtures';

const WITH_PK = [
  { config: { kind: 'Ledger', primaryKey: ['city', 'foo'] }, ctx: CTX, columns: 'year, city, population' },
  { config: { kind: 'Snapshot', primaryKey: ['city', 'foo'] }, ctx: CTX, columns: 'year, city, population' },
  { config: { kind: 'ChangelogStream', primaryKey: ['city', 'foo'] }, ctx: CTX_WITH_OP, columns: 'op, year, city, population' },
  { config: { kind: 'UpsertStream', primaryKey: ['city', 'foo'] }, ctx: CTX_WITH_OP, columns: 'op, year, city, population' },
] satisfies { config: MergeStrategyConfig; ctx: MergeContext; columns: string }[];

describe('createMergeStrategy', () => {
  it('builds each kind', () => {
    expect(createMergeStrategy({ kind: 'Append' }, CTX).kind).toBe('Append');
    expect(createMergeStrategy({ kind: 'Ledger', primaryKey: ['city'] }, CTX).primaryKey).toEqual(['city']);
    expect(createMergeStrategy({ kind: 'Snapshot', primaryKey: ['city'] }, CTX).kind).toBe('Snapshot');
    expect(createMergeStrategy({ kind: 'ChangelogStream', primaryKey: ['city'] }, CTX_WITH_OP).kind).toBe(
      'ChangelogStream',
    );
    expect(createMergeStrategy({ kind: 'UpsertStream', primaryKey: ['city'] }, CTX).operationTypeColumn).toBe('op');
  });

  it.each(WITH_PK)('$config.kind rejects a primary key column missing from the schema', ({ config, ctx, columns }) => {
    expect(() => createMergeStrategy(config, ctx)).toThrow(
      new MergeError(`primary key column "foo" is not in the read schema (columns: ${columns})`),
    );
  });

  it.each(WITH_PK)('$config.kind rejects an empty primary key', ({ config, ctx }) => {
    expect(() => createMergeStrategy({ ...config, primaryKey: [] }, ctx)).toThrow(
      'primary key columns must not be empty',
    );
  });

  it.each(['offset', 'system_time'])('rejects an input column named like the system column %s', (name) => {
    const ctx = { ...CTX, fields: [...FIELDS, { name, type: { kind: 'String' as const } }] };
    expect(() => createMergeStrategy({ kind: 'Append' }, ctx)).toThrow(
      `input column "${name}" clashes with a system column; rename the column or use SetVocab`,
    );
  });

  it('allows those names once SetVocab renames the system columns', () => {
    const ctx = {
      fields: [...FIELDS, { name: 'offset', type: { kind: 'Int64' as const } }],
      vocab: { ...DEFAULT_VOCAB, offsetColumn: '_offset' },
    };
    expect(() => createMergeStrategy({ kind: 'Append' }, ctx)).not.toThrow();
  });

  it.each<MergeStrategyConfig>([
    { kind: 'Append' },
    { kind: 'Ledger', primaryKey: ['city'] },
    { kind: 'Snapshot', primaryKey: ['city'] },
  ])('$kind rejects an op input column', (config) => {
    expect(() => createMergeStrategy(config, CTX_WITH_OP)).toThrow(
      `input column "op" clashes with the operation type column that ${config.kind} adds; rename the column or use SetVocab`,
    );
  });

  it('rejects a non-integer op column', () => {
    const ctx = { ...CTX, fields: [{ name: 'op', type: { kind: 'String' as const } }, ...FIELDS] };
    expect(() => createMergeStrategy({ kind: 'UpsertStream', primaryKey: ['city'] }, ctx)).toThrow(
      'operation type column "op" must have an integer type',
    );
  });
});
