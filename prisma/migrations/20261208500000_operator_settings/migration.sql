-- Settings the console's operator made that the CLI and the worker must judge by as well (whether
-- sign-up is open decides which brokers may be reached): recorded by the console at each start.
CREATE TABLE "operator_setting" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "operator_setting_pkey" PRIMARY KEY ("key")
);
