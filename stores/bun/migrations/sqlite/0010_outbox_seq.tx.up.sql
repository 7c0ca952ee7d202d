-- pyfly_outbox with seq a plain INTEGER PRIMARY KEY (the rowid) instead of AUTOINCREMENT: SQLite
-- gives a new record max(seq) + 1, which orders it after every record the table holds, as the
-- claims need, without writing the AUTOINCREMENT counter (a row of sqlite_sequence, one more page
-- in the WAL) in every business transaction that enqueues. A number is used again only once every
-- record above it is gone (delivered and pruned); nothing keeps a record's seq outside the table.
--
-- The table is rebuilt (SQLite cannot drop AUTOINCREMENT in place) in the one transaction of this
-- migration: copied in seq order, the old table dropped with its indexes (and its counter), the
-- copy renamed, the indexes of migrations 0004 and 0008 made again. Every column of every record
-- is kept, claims and dead letters included. Running it again on a rebuilt table rebuilds it the
-- same way.
DROP TABLE IF EXISTS pyfly_outbox_rebuild;

--bun:split

CREATE TABLE pyfly_outbox_rebuild (
    seq             INTEGER      NOT NULL PRIMARY KEY,
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

INSERT INTO pyfly_outbox_rebuild
    (seq, outbox, event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version,
     tenant_id, global_position, created_at, attempts, last_error, next_attempt_at, last_attempt_at, delivered_at, dead,
     claimed_by, claimed_until)
SELECT seq, outbox, event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version,
     tenant_id, global_position, created_at, attempts, last_error, next_attempt_at, last_attempt_at, delivered_at, dead,
     claimed_by, claimed_until
FROM pyfly_outbox
ORDER BY seq;

--bun:split

DROP TABLE pyfly_outbox;

--bun:split

ALTER TABLE pyfly_outbox_rebuild RENAME TO pyfly_outbox;

--bun:split

CREATE INDEX pyfly_outbox_live ON pyfly_outbox (outbox, seq) WHERE delivered_at IS NULL AND dead = 0;

--bun:split

CREATE INDEX pyfly_outbox_live_aggregate ON pyfly_outbox (outbox, aggregate_id, seq) WHERE delivered_at IS NULL AND dead = 0;

--bun:split

CREATE INDEX pyfly_outbox_delivered ON pyfly_outbox (outbox, delivered_at) WHERE delivered_at IS NOT NULL;

--bun:split

CREATE INDEX pyfly_outbox_dead ON pyfly_outbox (outbox, last_attempt_at) WHERE dead = 1;

--bun:split

CREATE INDEX pyfly_outbox_dead_aggregate ON pyfly_outbox (outbox, aggregate_id, seq) WHERE dead = 1;
