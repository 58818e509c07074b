-- Saved-query names are one name whatever their case or compatibility forms (lib/auth/display-name.ts
-- nameKey: NFKC, case folded); the unique index moves from the name as typed to that key.
ALTER TABLE "saved_query" ADD COLUMN "name_key" TEXT;
UPDATE "saved_query" SET "name_key" = lower(normalize("name", NFKC));
-- Look-alike names that coexisted until now: all but the oldest get their id's start appended,
-- so each stays reachable and none silently replaces another.
UPDATE "saved_query" s
   SET "name" = s."name" || ' (' || left(s."id", 8) || ')',
       "name_key" = s."name_key" || ' (' || left(s."id", 8) || ')'
 WHERE EXISTS (
   SELECT 1 FROM "saved_query" o
    WHERE o."workspace_id" = s."workspace_id" AND o."name_key" = s."name_key"
      AND (o."created_at", o."id") < (s."created_at", s."id"));
ALTER TABLE "saved_query" ALTER COLUMN "name_key" SET NOT NULL;
DROP INDEX "saved_query_workspace_id_name_key";
CREATE UNIQUE INDEX "saved_query_workspace_id_name_key_key" ON "saved_query"("workspace_id", "name_key");
