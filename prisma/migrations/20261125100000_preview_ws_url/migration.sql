-- The MQTT-over-WebSocket URL the console's live preview connects to (browsers speak only ws/wss).
ALTER TABLE "dataset" ADD COLUMN "preview_ws_url" TEXT;
