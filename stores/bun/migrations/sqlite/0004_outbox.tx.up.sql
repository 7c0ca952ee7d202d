CREATE TABLE IF NOT EXISTS pyfly_outbox (
    seq             INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    outbox          VARCHAR(64)  NOT NULL,
    event_id        VARCHAR(64)  NOT NULL,
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
    created_at      TEXT         NOT NULL,
    attempts        INTEGER      NOT NULL DEFAULT 0,
    last_error      TEXT         NULL,
    next_attempt_at TEXT         NULL,
    last_attempt_at TEXT         NULL,
    delivered_at    TEXT         NULL,
    dead            INTEGER      NOT NULL DEFAULT 0,
    claimed_by      VARCHAR(64)  NULL,
    claimed_until   TEXT         NULL,
    UNIQUE (outbox, event_id)
);

--bun:split

CREATE INDEX IF NOT EXISTS pyfly_outbox_live ON pyfly_outbox (outbox, seq) WHERE delivered_at IS NULL AND dead = 0;

--bun:split

CREATE INDEX IF NOT EXISTS pyfly_outbox_live_aggregate ON pyfly_outbox (outbox, aggregate_id, seq) WHERE delivered_at IS NULL AND dead = 0;

--bun:split

CREATE INDEX IF NOT EXISTS pyfly_outbox_delivered ON pyfly_outbox (outbox, delivered_at) WHERE delivered_at IS NOT NULL;

--bun:split

CREATE INDEX IF NOT EXISTS pyfly_outbox_dead ON pyfly_outbox (outbox, last_attempt_at) WHERE dead = 1;
