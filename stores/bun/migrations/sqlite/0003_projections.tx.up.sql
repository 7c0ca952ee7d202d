CREATE TABLE IF NOT EXISTS pyfly_projection_checkpoints (
    projection VARCHAR(255) NOT NULL PRIMARY KEY,
    position   BIGINT       NOT NULL,
    fence      BIGINT       NOT NULL DEFAULT 0,
    updated_at TEXT         NOT NULL
);

--bun:split

CREATE TABLE IF NOT EXISTS pyfly_locks (
    name       VARCHAR(255) NOT NULL PRIMARY KEY,
    lock_until TEXT         NOT NULL,
    locked_at  TEXT         NOT NULL,
    locked_by  VARCHAR(255) NOT NULL,
    fence      BIGINT       NOT NULL
);

--bun:split

CREATE TABLE IF NOT EXISTS pyfly_projection_dead_letters (
    projection      VARCHAR(255) NOT NULL,
    event_id        VARCHAR(64)  NOT NULL,
    global_position BIGINT       NOT NULL,
    aggregate_id    VARCHAR(64)  NOT NULL,
    aggregate_type  VARCHAR(255) NOT NULL,
    sequence        BIGINT       NOT NULL,
    event_type      VARCHAR(255) NOT NULL,
    payload         TEXT         NOT NULL,
    metadata        TEXT         NOT NULL,
    occurred_at     TEXT         NOT NULL,
    version         INTEGER      NOT NULL,
    tenant_id       VARCHAR(64)  NULL,
    attempts        INTEGER      NOT NULL,
    error           TEXT         NOT NULL,
    failed_at       TEXT         NOT NULL,
    PRIMARY KEY (projection, event_id)
);

--bun:split

CREATE INDEX IF NOT EXISTS pyfly_projection_dead_letters_position_idx ON pyfly_projection_dead_letters (projection, global_position);
