-- A dead letter an operator skipped (esctl dead-letters skip), a projection's or an outbox's:
-- who skipped it and when. A projection's skipped letter leaves pyfly_projection_dead_letters;
-- an outbox's record is marked delivered.
CREATE TABLE IF NOT EXISTS pyfly_dead_letter_skips (
    kind            VARCHAR(16)  NOT NULL,
    name            VARCHAR(255) NOT NULL,
    event_id        VARCHAR(64)  NOT NULL,
    global_position BIGINT       NOT NULL,
    aggregate_id    VARCHAR(64)  NOT NULL,
    event_type      VARCHAR(255) NOT NULL,
    attempts        INTEGER      NOT NULL,
    error           TEXT         NOT NULL,
    skipped_by      VARCHAR(255) NOT NULL,
    skipped_at      TIMESTAMPTZ  NOT NULL,
    CONSTRAINT pyfly_dead_letter_skips_pkey PRIMARY KEY (kind, name, event_id)
);

--bun:split

-- The outbox's claims under the dead-letter policy park-aggregate look for a dead record of an
-- aggregate before each candidate.
CREATE INDEX IF NOT EXISTS pyfly_outbox_dead_aggregate ON pyfly_outbox (outbox, aggregate_id, seq) WHERE dead;
