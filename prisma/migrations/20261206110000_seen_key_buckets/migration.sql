-- Ledger's seen keys move from a GIN index over per-batch hash arrays (~50 bytes a key) to
-- hash-range buckets of 10-byte entries (lib/store/seen-key-buckets.ts). No hash function changes
-- and the state signature stays: every stored hash is carried over, as its top 48 bits, with the
-- ordinal of its batch; each batch keeps its seen_key_group row (offset_start, row_count), the
-- rows a hash hit is confirmed against.
ALTER TABLE "seen_key_group" ADD COLUMN "ordinal" INTEGER;
UPDATE "seen_key_group" g SET "ordinal" = o."ordinal"
FROM (SELECT "dataset_num", "offset_start", (row_number() OVER (PARTITION BY "dataset_num" ORDER BY "offset_start") - 1)::int AS "ordinal" FROM "seen_key_group") o
WHERE g."dataset_num" = o."dataset_num" AND g."offset_start" = o."offset_start";
ALTER TABLE "seen_key_group" ALTER COLUMN "ordinal" SET NOT NULL;
CREATE UNIQUE INDEX "seen_key_group_dataset_num_ordinal_key" ON "seen_key_group"("dataset_num", "ordinal");

CREATE TABLE "seen_key_bucket" (
    "dataset_num" INTEGER NOT NULL,
    "lo" BIGINT NOT NULL,
    "entries" BYTEA NOT NULL,

    CONSTRAINT "seen_key_bucket_pkey" PRIMARY KEY ("dataset_num","lo")
) WITH (fillfactor = 70); -- room on each page for a bucket's next version: appends stay HOT updates, pruned in place

-- Buckets of 68 entries in hash order (as a split leaves them); entries of one 48-bit prefix
-- share one (dense_rank), the first bucket of a dataset starts at the smallest bigint, every
-- other at the lowest hash of its first prefix.
INSERT INTO "seen_key_bucket" ("dataset_num", "lo", "entries")
SELECT "dataset_num",
       CASE WHEN "chunk" = 0 THEN -9223372036854775808 ELSE (min("h") >> 16) << 16 END,
       string_agg(substring(int8send("h") FROM 1 FOR 6) || int4send("ordinal"), ''::bytea ORDER BY "h")
FROM (
    SELECT g."dataset_num", g."ordinal", u."h",
           (dense_rank() OVER (PARTITION BY g."dataset_num" ORDER BY u."h" >> 16) - 1) / 68 AS "chunk"
    FROM "seen_key_group" g, unnest(g."hashes") AS u("h")
) e
GROUP BY "dataset_num", "chunk";

DROP FUNCTION "seen_key_groups"(INTEGER, BIGINT[]);
DROP INDEX "seen_key_group_hashes_idx";
ALTER TABLE "seen_key_group" DROP COLUMN "hashes";
