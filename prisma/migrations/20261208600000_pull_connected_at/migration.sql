-- A streaming run records when its broker session is open (subscribed), so the dataset page says
-- Live only then: before, it said Live from the run's start, while a new dataset's subscription
-- did not exist yet and a broker would drop what was published meanwhile.
ALTER TABLE "pull" ADD COLUMN "connected_at" TIMESTAMPTZ(3);
