-- pyfly_event_store with the global position as the rowid (INTEGER PRIMARY KEY) and event_id
-- unique: the table itself is then stored in position order, reads of the global stream walk it
-- in place, and an insert touches the table and two indexes (event id, aggregate and sequence)
-- instead of three indexes beside a rowid table. SQLite gives a new event max(position) + 1:
-- positions stay dense and commit-ordered under its single writer.
--
-- The table is rebuilt (SQLite cannot change a primary key in place) in the one transaction of
-- this migration: copied in position order, the old table dropped with its indexes, the copy
-- renamed. Positions, ids and every column are kept. Running it again on a rebuilt table
-- rebuilds it the same way.
DROP TABLE IF EXISTS pyfly_event_store_rebuild;

--bun:split

CREATE TABLE pyfly_event_store_rebuild (
    global_position INTEGER      PRIMARY KEY,
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
    recorded_at     TEXT         NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT pyfly_event_store_event_id_key UNIQUE (event_id),
    CONSTRAINT pyfly_event_store_aggregate_sequence_key UNIQUE (aggregate_id, sequence)
);

--bun:split

INSERT INTO pyfly_event_store_rebuild
    (global_position, event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, recorded_at)
SELECT global_position, event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, recorded_at
FROM pyfly_event_store
ORDER BY global_position;

--bun:split

DROP TABLE pyfly_event_store;

--bun:split

ALTER TABLE pyfly_event_store_rebuild RENAME TO pyfly_event_store;
