-- AlterTable
ALTER TABLE "dataset" ADD COLUMN "inferred_read_schema" JSONB;
