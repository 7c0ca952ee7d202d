CREATE TABLE IF NOT EXISTS pyfly_event_store (
    event_id        VARCHAR(64)  NOT NULL PRIMARY KEY,
    aggregate_id    VARCHAR(64)  NOT NULL,
    aggregate_type  VARCHAR(255) NOT NULL,
    sequence        BIGINT       NOT NULL,
    event_type      VARCHAR(255) NOT NULL,
    payload         TEXT         NOT NULL,
    metadata        TEXT         NOT NULL,
    occurred_at     TEXT         NOT NULL,
    version         INTEGER      NOT NULL,
    tenant_id       VARCHAR(64)  NULL,
    global_position BIGINT       NOT NULL,
    recorded_at     TEXT         NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (aggregate_id, sequence)
);

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS pyfly_event_store_global_position_key ON pyfly_event_store (global_position);
