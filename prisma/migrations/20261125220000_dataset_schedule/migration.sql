-- A dataset's pull schedule (every N minutes or a cron expression) and its last run.
CREATE TABLE "dataset_schedule" (
  "dataset_id" TEXT PRIMARY KEY REFERENCES "dataset"("id") ON DELETE CASCADE,
  "every_minutes" INTEGER,
  "cron" TEXT,
  "enabled" BOOLEAN NOT NULL DEFAULT true,
  "updated_by" TEXT,
  "last_run_at" TIMESTAMPTZ(3),
  "last_outcome" TEXT,
  "last_error" TEXT,
  "last_rows" INTEGER,
  CHECK (("every_minutes" IS NULL) <> ("cron" IS NULL))
);
