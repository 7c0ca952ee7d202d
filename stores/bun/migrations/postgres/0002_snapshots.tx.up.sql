CREATE TABLE IF NOT EXISTS pyfly_snapshots (
    aggregate_id   VARCHAR(64)  NOT NULL,
    aggregate_type VARCHAR(255) NOT NULL,
    sequence       BIGINT       NOT NULL,
    payload        TEXT         NOT NULL,
    created_at     TIMESTAMPTZ  NOT NULL,
    CONSTRAINT pyfly_snapshots_pkey PRIMARY KEY (aggregate_id)
);
