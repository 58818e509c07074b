import { AppendStrategy } from './append';
import { ChangelogStreamStrategy } from './changelog-stream';
import { LedgerStrategy } from './ledger';
import type { MergeContext, MergeStrategy, MergeStrategyConfig } from './merge-strategy';
import { SnapshotStrategy } from './snapshot';
import { UpsertStreamStrategy } from './upsert-stream';

/** The strategy for a manifest's `merge:` step. Throws MergeError if it does not fit the read schema. */
export function createMergeStrategy(config: MergeStrategyConfig, ctx: MergeContext): MergeStrategy {
  switch (config.kind) {
    case 'Append':
      return new AppendStrategy(ctx);
    case 'Ledger':
      return new LedgerStrategy(config.primaryKey, ctx);
    case 'Snapshot':
      return new SnapshotStrategy(config.primaryKey, config.compareColumns, ctx);
    case 'ChangelogStream':
      return new ChangelogStreamStrategy(config.primaryKey, ctx);
    case 'UpsertStream':
      return new UpsertStreamStrategy(config.primaryKey, ctx);
  }
}
