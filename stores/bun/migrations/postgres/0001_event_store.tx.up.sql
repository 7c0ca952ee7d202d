CREATE TABLE IF NOT EXISTS pyfly_event_store (
    event_id        VARCHAR(64)  NOT NULL,
    aggregate_id    VARCHAR(64)  NOT NULL,
    aggregate_type  VARCHAR(255) NOT NULL,
    sequence        BIGINT       NOT NULL,
    event_type      VARCHAR(255) NOT NULL,
    payload         TEXT         NOT NULL,
    metadata        TEXT         NOT NULL,
    occurred_at     TIMESTAMPTZ  NOT NULL,
    version         INTEGER      NOT NULL,
    tenant_id       VARCHAR(64)  NULL,
    global_position BIGINT       NOT NULL,
    recorded_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT pyfly_event_store_pkey PRIMARY KEY (event_id),
    CONSTRAINT pyfly_event_store_aggregate_sequence_key UNIQUE (aggregate_id, sequence)
);

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS pyfly_event_store_global_position_key ON pyfly_event_store (global_position);
