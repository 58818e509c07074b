-- A dataset's name follows ODF's DatasetName everywhere: hostname-like, never a "/". Kamu's
-- `account/name` form in a manifest names a workspace; it is not part of the name. Datasets added
-- with such a name before this rule (unreachable in the console) keep their data and broker
-- session and lose the account part, or, if that name is taken in their workspace, get it as a
-- leading segment ("account.name").
DO $$
DECLARE d RECORD;
DECLARE bare TEXT;
BEGIN
  FOR d IN SELECT id, workspace_id, name FROM dataset WHERE name LIKE '%/%' ORDER BY name LOOP
    bare := substring(d.name from '[^/]*$');
    IF EXISTS (SELECT 1 FROM dataset WHERE workspace_id = d.workspace_id AND name = bare) THEN
      bare := replace(d.name, '/', '.');
    END IF;
    UPDATE dataset SET name = bare, manifest = jsonb_set(manifest, '{name}', to_jsonb(bare)) WHERE id = d.id;
  END LOOP;
END $$;

ALTER TABLE dataset ADD CONSTRAINT dataset_name_is_odf_dataset_name
  CHECK (name ~ '^[A-Za-z0-9]+(-[A-Za-z0-9]+)*(\.[A-Za-z0-9]+(-[A-Za-z0-9]+)*)*$');
