-- Each slice's Arrow record batches, compressed once at commit (raw deflate, full flush; see
-- lib/data/deflate-segments.ts), so browsers load committed data without re-encoding it: a range of
-- slices is served by joining these as they are. Stored EXTERNAL: already compressed.
ALTER TABLE "data_slice"
  ADD COLUMN "arrow" BYTEA,
  ADD COLUMN "arrow_adler32" BIGINT,
  ADD COLUMN "arrow_size" INTEGER,
  ADD COLUMN "arrow_schema" TEXT;
ALTER TABLE "data_slice" ALTER COLUMN "arrow" SET STORAGE EXTERNAL;
