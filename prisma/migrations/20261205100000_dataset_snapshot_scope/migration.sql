-- How a Snapshot merge reads a pull (a Sluice setting, never in the manifest, so exports stay Kamu's):
-- 'pull' (Kamu's semantics: every record the pull read is the snapshot, the latest record of a primary
-- key wins) or 'topic' (each topic's latest message is that topic's part of the snapshot, the rule
-- before this setting existed). Every existing dataset gets Kamu's semantics.
ALTER TABLE dataset ADD COLUMN snapshot_scope TEXT NOT NULL DEFAULT 'pull'
  CONSTRAINT dataset_snapshot_scope_known CHECK (snapshot_scope IN ('pull', 'topic'));
