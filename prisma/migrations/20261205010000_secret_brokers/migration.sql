-- A stored secret is sent only to the brokers a maintainer bound it to ("scheme://host:port"),
-- so a dataset an editor re-points cannot carry it elsewhere. Existing secrets start bound to no
-- broker: the datasets that use them today may already point where an editor chose, so only a
-- maintainer may say where each goes (the Secrets pages list them as "never sent" until then).
ALTER TABLE secret ADD COLUMN brokers TEXT[] NOT NULL DEFAULT '{}';
