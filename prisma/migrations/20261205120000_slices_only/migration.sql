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
CREATE INDEX "seen_key_group_hashes_idx" ON "seen_key_group" USING GIN ("hashes");

-- Ledger states kept one key_state row per key: dropped, and rebuilt from the slices by the next
-- pull (its state signature no longer matches, run-polling-ingest ensureKeyState).
DELETE FROM "key_state" k USING "dataset" d WHERE d.num = k.dataset_num AND d.state_signature LIKE 'Ledger:%';
UPDATE "dataset" SET "state_signature" = NULL WHERE "state_signature" LIKE 'Ledger:%';
