-- A SQLite database of pyfly's first generation: the seed's DDL, with rows as its stores write
-- them through aiosqlite. payload is StoredEventEnvelope.to_json() (its keys in its order,
-- Python's separators, non-ASCII escaped as \uXXXX, occurred_at in isoformat with +00:00 and
-- without zero microseconds); metadata is the literal '{}'; occurred_at is sqlite3's text of the
-- aware time (isoformat with a space: 2026-03-01 09:15:00+00:00); the snapshot's created_at is
-- the naive UTC time's. The events are inserted in another order than they occurred in: o-3's
-- first, at 08:00, comes last; o-1's and o-2's first events occurred at the same instant.
-- Statements end with a semicolon at the end of a line.
CREATE TABLE IF NOT EXISTS pyfly_event_store (
    event_id        VARCHAR(64) PRIMARY KEY,
    aggregate_id    VARCHAR(64) NOT NULL,
    aggregate_type  VARCHAR(255) NOT NULL,
    sequence        INTEGER NOT NULL,
    event_type      VARCHAR(255) NOT NULL,
    payload         TEXT NOT NULL,
    metadata        TEXT NOT NULL,
    occurred_at     TIMESTAMP NOT NULL,
    version         INTEGER NOT NULL,
    tenant_id       VARCHAR(64) NULL,
    UNIQUE (aggregate_id, sequence)
);
CREATE TABLE IF NOT EXISTS pyfly_snapshots (
    aggregate_id   VARCHAR(64) PRIMARY KEY,
    aggregate_type VARCHAR(255) NOT NULL,
    sequence       INTEGER NOT NULL,
    payload        TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL
);

INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id)
    VALUES ('a1000000-0000-4000-8000-000000000001', 'o-1', 'Order', 1, 'OrderPlaced', '{"event_id": "a1000000-0000-4000-8000-000000000001", "aggregate_id": "o-1", "aggregate_type": "Order", "sequence": 1, "event_type": "OrderPlaced", "payload": {"order_id": "o-1", "amount": 99, "note": "Caf\u00e9 \u2603"}, "metadata": {"correlation_id": "c-1"}, "occurred_at": "2026-03-01T09:15:00+00:00", "version": 1, "tenant_id": null}', '{}', '2026-03-01 09:15:00+00:00', 1, NULL);
INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id)
    VALUES ('a1000000-0000-4000-8000-000000000002', 'o-2', 'Order', 1, 'OrderPlaced', '{"event_id": "a1000000-0000-4000-8000-000000000002", "aggregate_id": "o-2", "aggregate_type": "Order", "sequence": 1, "event_type": "OrderPlaced", "payload": {"order_id": "o-2", "amount": 5, "note": "tenant''s \"quoted\" order"}, "metadata": {}, "occurred_at": "2026-03-01T09:15:00+00:00", "version": 1, "tenant_id": "t-1"}', '{}', '2026-03-01 09:15:00+00:00', 1, 't-1');
INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id)
    VALUES ('a1000000-0000-4000-8000-000000000003', 'o-1', 'Order', 2, 'OrderShipped', '{"event_id": "a1000000-0000-4000-8000-000000000003", "aggregate_id": "o-1", "aggregate_type": "Order", "sequence": 2, "event_type": "OrderShipped", "payload": {"carrier": "\ud83d\ude9a DHL"}, "metadata": {}, "occurred_at": "2026-03-01T09:20:00.250000+00:00", "version": 1, "tenant_id": null}', '{}', '2026-03-01 09:20:00.250000+00:00', 1, NULL);
INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id)
    VALUES ('a1000000-0000-4000-8000-000000000004', 'o-2', 'Order', 2, 'OrderShipped', '{"event_id": "a1000000-0000-4000-8000-000000000004", "aggregate_id": "o-2", "aggregate_type": "Order", "sequence": 2, "event_type": "OrderShipped", "payload": {"carrier": "UPS"}, "metadata": {"causation_id": "cmd-9", "attempt": 2}, "occurred_at": "2026-03-01T09:30:00.500000+00:00", "version": 1, "tenant_id": "t-1"}', '{}', '2026-03-01 09:30:00.500000+00:00', 1, 't-1');
INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id)
    VALUES ('a1000000-0000-4000-8000-000000000005', 'o-3', 'Order', 1, 'OrderPlaced', '{"event_id": "a1000000-0000-4000-8000-000000000005", "aggregate_id": "o-3", "aggregate_type": "Order", "sequence": 1, "event_type": "OrderPlaced", "payload": {"order_id": "o-3", "amount": 7, "note": ""}, "metadata": {}, "occurred_at": "2026-03-01T08:00:00.000001+00:00", "version": 1, "tenant_id": null}', '{}', '2026-03-01 08:00:00.000001+00:00', 1, NULL);
INSERT INTO pyfly_snapshots (aggregate_id, aggregate_type, sequence, payload, created_at)
    VALUES ('o-1', 'Order', 1, '{"order_id": "o-1", "amount": 99, "note": "Caf\u00e9 \u2603", "shipped": false, "carrier": ""}', '2026-03-01 09:15:01.500000');
