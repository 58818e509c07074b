-- Rows of a pull's slice made durable before the pull publishes them as one slice (see
-- prisma/schema.prisma, StagedRow). Keyed by dataset number like data_row: no foreign key on
-- the hot path, deleted with the dataset.
CREATE TABLE "staged_row" (
    "dataset_num" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "op" SMALLINT NOT NULL,
    "event_time" TIMESTAMPTZ(3) NOT NULL,
    "data" JSONB NOT NULL,

    CONSTRAINT "staged_row_pkey" PRIMARY KEY ("dataset_num","position")
);
