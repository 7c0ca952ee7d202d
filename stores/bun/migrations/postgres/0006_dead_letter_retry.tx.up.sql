-- A projection's dead letter can be asked for again (esctl dead-letters retry): the runner
-- applies the events whose retry_requested_at is set, and parking an event again clears it.
ALTER TABLE pyfly_projection_dead_letters ADD COLUMN IF NOT EXISTS retry_requested_at TIMESTAMPTZ NULL;

--bun:split

CREATE INDEX IF NOT EXISTS pyfly_projection_dead_letters_retry_idx ON pyfly_projection_dead_letters (projection, global_position)
    WHERE retry_requested_at IS NOT NULL;
