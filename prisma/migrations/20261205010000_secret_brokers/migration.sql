-- A stored secret is sent only to the brokers a maintainer bound it to ("scheme://host:port"),
-- so a dataset an editor re-points cannot carry it elsewhere. Existing secrets are bound to what
-- uses them today: a dataset's secrets to its MQTT source's broker; a workspace's secrets to the
-- brokers of the workspace's datasets whose password refers to them (TLS secrets: to those
-- reached over TLS). Maintainers review and change bindings on the Secrets page.
ALTER TABLE secret ADD COLUMN brokers TEXT[] NOT NULL DEFAULT '{}';

CREATE TEMPORARY TABLE source_endpoint ON COMMIT DROP AS
WITH src AS (
  SELECT d.id AS dataset_id, d.workspace_id,
         (SELECT e.value->'fetch' FROM jsonb_array_elements(d.manifest->'metadata') WITH ORDINALITY AS e(value, i)
           WHERE e.value->>'kind' = 'SetPollingSource' ORDER BY e.i DESC LIMIT 1) AS f
  FROM dataset d
), parts AS (
  SELECT dataset_id, workspace_id, f->>'password' AS password,
         lower(coalesce(substring(f->>'host' from '^([a-zA-Z]+)://'), 'mqtt')) AS scheme,
         lower(coalesce(substring(f->>'host' from '^[a-zA-Z]+://\[?([^/\]]+?)\]?(?::[0-9]+)?(?:/.*)?$'), f->>'host')) AS host,
         coalesce(substring(f->>'host' from '^[a-zA-Z]+://(?:\[[^\]]*\]|[^/:]+):([0-9]+)'), f->>'port') AS port
  FROM src WHERE f->>'kind' = 'Mqtt'
)
SELECT dataset_id, workspace_id, password,
       CASE scheme WHEN 'tcp' THEN 'mqtt' WHEN 'ssl' THEN 'mqtts' WHEN 'tls' THEN 'mqtts' ELSE scheme END AS scheme,
       CASE WHEN host LIKE '%:%' THEN '[' || host || ']' ELSE host END AS host,
       port
FROM parts;

UPDATE secret s SET brokers = ARRAY[(SELECT e.scheme || '://' || e.host || ':' || e.port FROM source_endpoint e WHERE e.dataset_id = s.dataset_id)]
WHERE s.dataset_id IS NOT NULL AND EXISTS (SELECT 1 FROM source_endpoint e WHERE e.dataset_id = s.dataset_id);

UPDATE secret s SET brokers = coalesce((
  SELECT array_agg(DISTINCT e.scheme || '://' || e.host || ':' || e.port) FROM source_endpoint e
  WHERE e.workspace_id = s.workspace_id
    AND (position('env.' || s.name in coalesce(e.password, '')) > 0
         OR (s.name LIKE 'MQTT\_TLS\_%' AND e.scheme IN ('mqtts', 'wss')))
), '{}')
WHERE s.dataset_id IS NULL;
