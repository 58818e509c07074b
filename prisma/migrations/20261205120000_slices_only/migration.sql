-- Slices are the one copy of committed data (issue 13). Before this SQL runs, lib/store/migrate.ts
-- runs moveRowsIntoSlices (lib/store/move-rows-into-slices.ts) in the same transaction: every slice
-- whose stored Arrow segment is missing, or does not re-hash to the slice's hash, is encoded again
-- from data_row. Only then does data_row go.
ALTER TABLE "data_slice" ALTER COLUMN "arrow" SET NOT NULL,
                         ALTER COLUMN "arrow_adler32" SET NOT NULL,
                         ALTER COLUMN "arrow_size" SET NOT NULL,
                         ALTER COLUMN "arrow_schema" SET NOT NULL;

DROP TABLE "data_row";

-- Ledger's seen keys, as 64-bit hashes grouped per committed batch (see prisma/schema.prisma).
CREATE TABLE "seen_key_group" (
    "dataset_num" INTEGER NOT NULL,
    "offset_start" BIGINT NOT NULL,
    "row_count" INTEGER NOT NULL,
    "hashes" BIGINT[] NOT NULL,

    CONSTRAINT "seen_key_group_pkey" PRIMARY KEY ("dataset_num","offset_start")
);
-- fastupdate off: entries go straight into the index (42 bytes a key after VACUUM, against 76
-- with a pending list), and a lookup never scans a pending list.
CREATE INDEX "seen_key_group_hashes_idx" ON "seen_key_group" USING GIN ("hashes") WITH (fastupdate = off);

-- The groups holding any of `probe`, always through the GIN index. Left to itself the planner
-- takes a sequential scan, or the primary key for dataset_num, and filters: `&&` then compares every
-- stored hash with every probe (10 s for 2,500 probes against 1,000,000 hashes, 20 ms through GIN).
-- `dataset_num + 0` keeps the primary key out; enable_seqscan off the sequential scan.
CREATE FUNCTION "seen_key_groups"("num" INTEGER, "probe" BIGINT[])
RETURNS TABLE ("offset_start" BIGINT, "row_count" INTEGER, "hashes" BIGINT[])
LANGUAGE sql STABLE
SET enable_seqscan = off
AS $$ SELECT g.offset_start, g.row_count, g.hashes FROM seen_key_group g WHERE g.dataset_num + 0 = num AND g.hashes && probe $$;

-- Ledger states kept one key_state row per key: dropped, and rebuilt from the slices by the next
-- pull (its state signature no longer matches, run-polling-ingest ensureKeyState).
DELETE FROM "key_state" k USING "dataset" d WHERE d.num = k.dataset_num AND d.state_signature LIKE 'Ledger:%';
UPDATE "dataset" SET "state_signature" = NULL WHERE "state_signature" LIKE 'Ledger:%';

-- Staged rows: one record per staged batch instead of one per row (see prisma/schema.prisma,
-- StagedBatch). Rows a killed pull left are carried over, one batch each.
CREATE TABLE "staged_batch" (
    "dataset_num" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "row_count" INTEGER NOT NULL,
    "rows" TEXT NOT NULL,

    CONSTRAINT "staged_batch_pkey" PRIMARY KEY ("dataset_num","position")
);
-- Transient, read back only after a crash: not worth compressing on every commit.
ALTER TABLE "staged_batch" ALTER COLUMN "rows" SET STORAGE EXTERNAL;
INSERT INTO "staged_batch" ("dataset_num", "position", "row_count", "rows")
SELECT "dataset_num", "position", 1,
       jsonb_build_array("op", (extract(epoch FROM "event_time") * 1000)::bigint, "data")::text || E'\n'
FROM "staged_row";
DROP TABLE "staged_row";
