CREATE TABLE IF NOT EXISTS pyfly_snapshots (
    aggregate_id   VARCHAR(64)  NOT NULL PRIMARY KEY,
    aggregate_type VARCHAR(255) NOT NULL,
    sequence       BIGINT       NOT NULL,
    payload        TEXT         NOT NULL,
    created_at     TEXT         NOT NULL
);
