-- Ledger's seen-key buckets move from hash ranges to ranges of 64-bit positions
-- (lib/store/seen-key-buckets.ts, lib/ingest/seen-keys.ts). A stored entry (a hash's top 48 bits
-- and its batch's ordinal) is already the position of its key in hash order, so no entry changes:
-- only each bucket's bound, from the lowest hash of its range to that hash's top 48 bits. Every
-- dataset keeps its state and its signature (Ledger/seen-hash64), which the code reads in hash
-- order; a dataset whose primary key holds its event-time column has its state rebuilt in time
-- order (Ledger/seen-time64) by its next pull, as after any change of form.
-- The key is dropped for the update: a new bound may equal an old one not yet moved.
ALTER TABLE "seen_key_bucket" DROP CONSTRAINT "seen_key_bucket_pkey";
UPDATE "seen_key_bucket" SET "lo" = "lo" >> 16;
ALTER TABLE "seen_key_bucket" ADD CONSTRAINT "seen_key_bucket_pkey" PRIMARY KEY ("dataset_num", "lo");
