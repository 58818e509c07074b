-- The digest (SHA-256 of topic and payload) of the message each QoS 2 receipt of a pull was taken for. A
-- broker that lost its state but resumes the session reuses packet ids: a PUBLISH under a receipted
-- id with another digest is a new message, not a redelivery. Existing receipts keep null, and any
-- message under their id is taken for their redelivery, as before.
ALTER TABLE "qos2_receipt" ADD COLUMN "digest" TEXT;

-- The same for a device session's receipts at the device endpoint: a device that rebooted and
-- connects without a clean session numbers its messages afresh.
ALTER TABLE "device_qos2_receipt" ADD COLUMN "digest" TEXT;
