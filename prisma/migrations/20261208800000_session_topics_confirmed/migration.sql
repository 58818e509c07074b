-- Whether the broker session holds what session_topics records. A connection that may change the
-- session's filters marks it false before it connects (session_topics then lists every filter the
-- session may hold) and true once its subscription is confirmed: a failed subscription, or a process
-- killed between CONNACK and SUBACK, leaves it false, and the next connection subscribes every
-- filter again instead of resuming a session that may lack some (whose messages never came).
ALTER TABLE "dataset" ADD COLUMN "session_topics_confirmed" BOOLEAN NOT NULL DEFAULT true;
