-- Rows are staged by column position: each batch now records the data schema it was staged under,
-- so a pull after a change of the read schema takes them over by column name. Before, it read them
-- with the schema of the day (a column added in the middle moved every value over; a retyped one
-- failed every pull). Batches staged before this have none and are read as before.
ALTER TABLE "staged_batch" ADD COLUMN "data_schema" TEXT;
