-- Device credentials, the durable device inbox and device QoS 2 receipts (issue 14; see
-- prisma/schema.prisma, DeviceCredential, DeviceInboxMessage, DeviceQos2Receipt), and the push
-- topic filter of a push dataset (null: "<name>/#").
ALTER TABLE "dataset" ADD COLUMN "push_topic" TEXT;

CREATE TABLE "device_credential" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "allowed_filters" TEXT[] NOT NULL DEFAULT '{}',
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT,
    "last_connected_at" TIMESTAMPTZ(3),
    "last_address" TEXT,
    "messages" BIGINT NOT NULL DEFAULT 0,
    "refusals" BIGINT NOT NULL DEFAULT 0,
    "last_refusal" TEXT,

    CONSTRAINT "device_credential_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "device_credential_username_key" ON "device_credential"("username");
CREATE UNIQUE INDEX "device_credential_workspace_id_name_key" ON "device_credential"("workspace_id", "name");
ALTER TABLE "device_credential" ADD CONSTRAINT "device_credential_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "device_inbox" (
    "id" BIGSERIAL NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "dataset_id" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "payload" BYTEA NOT NULL,
    "qos" SMALLINT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "credential_id" TEXT NOT NULL,

    CONSTRAINT "device_inbox_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "device_inbox_dataset_id_id_idx" ON "device_inbox"("dataset_id", "id");
ALTER TABLE "device_inbox" ADD CONSTRAINT "device_inbox_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "device_qos2_receipt" (
    "credential_id" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "packet_id" INTEGER NOT NULL,

    CONSTRAINT "device_qos2_receipt_pkey" PRIMARY KEY ("credential_id","client_id","packet_id")
);
