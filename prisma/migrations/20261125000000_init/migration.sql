-- CreateTable
CREATE TABLE "dataset" (
    "id" TEXT NOT NULL,
    "num" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "manifest" JSONB NOT NULL,
    "head_hash" TEXT NOT NULL,
    "head_sequence" INTEGER NOT NULL,
    "next_offset" BIGINT NOT NULL DEFAULT 0,
    "watermark" TIMESTAMPTZ(3),
    "data_schema" JSONB,
    "state_signature" TEXT,
    "mqtt_client_id" TEXT NOT NULL,
    "session_topics" JSONB,
    "lease_pull_id" TEXT,
    "lease_owner" TEXT,
    "lease_expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "metadata_block" (
    "dataset_id" TEXT NOT NULL,
    "sequence_number" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "prev_hash" TEXT,
    "system_time" TIMESTAMPTZ(3) NOT NULL,
    "event" JSONB NOT NULL,

    CONSTRAINT "metadata_block_pkey" PRIMARY KEY ("dataset_id","sequence_number")
);

-- CreateTable
CREATE TABLE "data_slice" (
    "dataset_id" TEXT NOT NULL,
    "offset_start" BIGINT NOT NULL,
    "offset_end" BIGINT NOT NULL,
    "block_sequence" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "system_time" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "data_slice_pkey" PRIMARY KEY ("dataset_id","offset_start")
);

-- CreateTable
CREATE TABLE "data_row" (
    "dataset_num" INTEGER NOT NULL,
    "offset" BIGINT NOT NULL,
    "op" SMALLINT NOT NULL,
    "system_time" TIMESTAMPTZ(3) NOT NULL,
    "event_time" TIMESTAMPTZ(3) NOT NULL,
    "data" JSONB NOT NULL,

    CONSTRAINT "data_row_pkey" PRIMARY KEY ("dataset_num","offset")
);

-- CreateTable
CREATE TABLE "key_state" (
    "dataset_num" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "row" JSONB,

    CONSTRAINT "key_state_pkey" PRIMARY KEY ("dataset_num","key")
);

-- CreateTable
CREATE TABLE "qos2_receipt" (
    "dataset_id" TEXT NOT NULL,
    "packet_id" INTEGER NOT NULL,

    CONSTRAINT "qos2_receipt_pkey" PRIMARY KEY ("dataset_id","packet_id")
);

-- CreateTable
CREATE TABLE "pull" (
    "id" TEXT NOT NULL,
    "dataset_id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMPTZ(3),
    "status" TEXT NOT NULL,
    "messages_received" INTEGER NOT NULL DEFAULT 0,
    "rows_committed" INTEGER NOT NULL DEFAULT 0,
    "quarantined" INTEGER NOT NULL DEFAULT 0,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "slices" INTEGER NOT NULL DEFAULT 0,
    "has_more" BOOLEAN NOT NULL DEFAULT false,
    "error_code" TEXT,
    "error" TEXT,

    CONSTRAINT "pull_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quarantined_message" (
    "id" BIGSERIAL NOT NULL,
    "dataset_id" TEXT NOT NULL,
    "pull_id" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "qos" SMALLINT NOT NULL,
    "retained" BOOLEAN NOT NULL,
    "payload" BYTEA NOT NULL,
    "reason" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "discarded_at" TIMESTAMPTZ(3),

    CONSTRAINT "quarantined_message_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "dataset_name_key" ON "dataset"("name");

-- CreateIndex
CREATE UNIQUE INDEX "dataset_num_key" ON "dataset"("num");

-- CreateIndex
CREATE UNIQUE INDEX "dataset_mqtt_client_id_key" ON "dataset"("mqtt_client_id");

-- CreateIndex
CREATE UNIQUE INDEX "metadata_block_dataset_id_hash_key" ON "metadata_block"("dataset_id", "hash");

-- CreateIndex
CREATE INDEX "pull_dataset_id_started_at_idx" ON "pull"("dataset_id", "started_at");

-- CreateIndex
CREATE INDEX "quarantined_message_dataset_id_id_idx" ON "quarantined_message"("dataset_id", "id");

-- AddForeignKey
ALTER TABLE "metadata_block" ADD CONSTRAINT "metadata_block_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "data_slice" ADD CONSTRAINT "data_slice_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pull" ADD CONSTRAINT "pull_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quarantined_message" ADD CONSTRAINT "quarantined_message_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;
