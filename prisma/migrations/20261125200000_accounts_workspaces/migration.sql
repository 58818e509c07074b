-- Accounts (Better Auth) and workspaces (Better Auth's organizations). Datasets belong to a
-- workspace; names are unique per workspace. Existing datasets move to the "default" workspace,
-- which the CLI uses for bare dataset names.

CREATE TABLE "auth_user" (
  "id" TEXT PRIMARY KEY,
  "name" TEXT NOT NULL,
  "email" TEXT NOT NULL,
  "email_verified" BOOLEAN NOT NULL DEFAULT false,
  "image" TEXT,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX "auth_user_email_key" ON "auth_user"("email");

CREATE TABLE "auth_session" (
  "id" TEXT PRIMARY KEY,
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  "token" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "ip_address" TEXT,
  "user_agent" TEXT,
  "user_id" TEXT NOT NULL REFERENCES "auth_user"("id") ON DELETE CASCADE,
  "active_organization_id" TEXT
);
CREATE UNIQUE INDEX "auth_session_token_key" ON "auth_session"("token");
CREATE INDEX "auth_session_user_id_idx" ON "auth_session"("user_id");

CREATE TABLE "auth_account" (
  "id" TEXT PRIMARY KEY,
  "account_id" TEXT NOT NULL,
  "provider_id" TEXT NOT NULL,
  "user_id" TEXT NOT NULL REFERENCES "auth_user"("id") ON DELETE CASCADE,
  "access_token" TEXT,
  "refresh_token" TEXT,
  "id_token" TEXT,
  "access_token_expires_at" TIMESTAMPTZ(3),
  "refresh_token_expires_at" TIMESTAMPTZ(3),
  "scope" TEXT,
  "password" TEXT,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "auth_account_user_id_idx" ON "auth_account"("user_id");

CREATE TABLE "auth_verification" (
  "id" TEXT PRIMARY KEY,
  "identifier" TEXT NOT NULL,
  "value" TEXT NOT NULL,
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "auth_verification_identifier_idx" ON "auth_verification"("identifier");

CREATE TABLE "auth_rate_limit" (
  "id" TEXT PRIMARY KEY,
  "key" TEXT NOT NULL,
  "count" INTEGER NOT NULL,
  "last_request" BIGINT NOT NULL
);
CREATE UNIQUE INDEX "auth_rate_limit_key_key" ON "auth_rate_limit"("key");

CREATE TABLE "workspace" (
  "id" TEXT PRIMARY KEY,
  "name" TEXT NOT NULL,
  "slug" TEXT NOT NULL,
  "logo" TEXT,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "metadata" TEXT
);
CREATE UNIQUE INDEX "workspace_slug_key" ON "workspace"("slug");

CREATE TABLE "workspace_member" (
  "id" TEXT PRIMARY KEY,
  "organization_id" TEXT NOT NULL REFERENCES "workspace"("id") ON DELETE CASCADE,
  "user_id" TEXT NOT NULL REFERENCES "auth_user"("id") ON DELETE CASCADE,
  "role" TEXT NOT NULL DEFAULT 'reader',
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX "workspace_member_organization_id_user_id_key" ON "workspace_member"("organization_id", "user_id");
CREATE INDEX "workspace_member_user_id_idx" ON "workspace_member"("user_id");

CREATE TABLE "workspace_invitation" (
  "id" TEXT PRIMARY KEY,
  "organization_id" TEXT NOT NULL REFERENCES "workspace"("id") ON DELETE CASCADE,
  "email" TEXT NOT NULL,
  "role" TEXT,
  "status" TEXT NOT NULL DEFAULT 'pending',
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "inviter_id" TEXT NOT NULL REFERENCES "auth_user"("id") ON DELETE CASCADE
);
CREATE INDEX "workspace_invitation_organization_id_idx" ON "workspace_invitation"("organization_id");

INSERT INTO "workspace" ("id", "name", "slug") VALUES ('default', 'Default workspace', 'default');

ALTER TABLE "dataset" ADD COLUMN "workspace_id" TEXT NOT NULL DEFAULT 'default' REFERENCES "workspace"("id") ON DELETE RESTRICT;
ALTER TABLE "dataset" ALTER COLUMN "workspace_id" DROP DEFAULT;
DROP INDEX "dataset_name_key";
CREATE UNIQUE INDEX "dataset_workspace_id_name_key" ON "dataset"("workspace_id", "name");
