-- Named SQL queries per workspace, shared by link (/w/<workspace>/query?q=<id>). A query outlives
-- its author's account (author set null) but not its workspace.
CREATE TABLE "saved_query" (
  "id" TEXT PRIMARY KEY,
  "workspace_id" TEXT NOT NULL REFERENCES "workspace"("id") ON DELETE CASCADE,
  "name" TEXT NOT NULL,
  "sql" TEXT NOT NULL,
  "created_by_user_id" TEXT REFERENCES "auth_user"("id") ON DELETE SET NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX "saved_query_workspace_id_name_key" ON "saved_query"("workspace_id", "name");
