-- Topic filters the broker granted a lower QoS than the manifest asks for, per pull (issue 15).
ALTER TABLE "pull" ADD COLUMN "qos_downgrades" JSONB;
