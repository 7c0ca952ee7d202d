-- The schema as the migration runner of earlier releases left it (stores/bun/migrate.go before
-- bun/migrate): its bookkeeping table, then 0001_event_store.sql and 0002_snapshots.sql, each
-- recorded with its version and name. Statements end with a semicolon at the end of a line.
CREATE TABLE IF NOT EXISTS pyfly_es_migrations (version BIGINT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
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
CREATE UNIQUE INDEX IF NOT EXISTS pyfly_event_store_global_position_key ON pyfly_event_store (global_position);
INSERT INTO pyfly_es_migrations (version, name) VALUES (1, 'event_store');
CREATE TABLE IF NOT EXISTS pyfly_snapshots (
    aggregate_id   VARCHAR(64)  NOT NULL,
    aggregate_type VARCHAR(255) NOT NULL,
    sequence       BIGINT       NOT NULL,
    payload        TEXT         NOT NULL,
    created_at     TIMESTAMPTZ  NOT NULL,
    CONSTRAINT pyfly_snapshots_pkey PRIMARY KEY (aggregate_id)
);
INSERT INTO pyfly_es_migrations (version, name) VALUES (2, 'snapshots');
