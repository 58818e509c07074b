-- An "always on" dataset is streamed by the worker (a follow pull under the dataset's lease, so one
-- runner across all instances) instead of being pulled on demand or on a schedule. A Sluice setting,
-- never in the manifest, so exports stay Kamu's.
ALTER TABLE dataset ADD COLUMN always_on BOOLEAN NOT NULL DEFAULT false;
