-- Workspace and dataset secrets (broker passwords, ${{ env.NAME }} values), encrypted with
-- AES-256-GCM under a key derived from SLUICE_SECRET_KEY; and the per-workspace activity log.

CREATE TABLE "secret" (
  "id" BIGSERIAL PRIMARY KEY,
  "workspace_id" TEXT NOT NULL REFERENCES "workspace"("id") ON DELETE CASCADE,
  "dataset_id" TEXT REFERENCES "dataset"("id") ON DELETE CASCADE,
  "name" TEXT NOT NULL,
  "nonce" BYTEA NOT NULL,
  "sealed" BYTEA NOT NULL,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_by" TEXT
);
CREATE UNIQUE INDEX "secret_workspace_name_key" ON "secret"("workspace_id", "name") WHERE "dataset_id" IS NULL;
CREATE UNIQUE INDEX "secret_dataset_name_key" ON "secret"("dataset_id", "name") WHERE "dataset_id" IS NOT NULL;

CREATE TABLE "activity" (
  "id" BIGSERIAL PRIMARY KEY,
  "workspace_id" TEXT NOT NULL REFERENCES "workspace"("id") ON DELETE CASCADE,
  "actor_id" TEXT,
  "actor_email" TEXT,
  "action" TEXT NOT NULL,
  "target" TEXT NOT NULL,
  "detail" JSONB,
  "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "activity_workspace_id_at_idx" ON "activity"("workspace_id", "at" DESC);
