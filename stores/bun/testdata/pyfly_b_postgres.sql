-- A PostgreSQL database of pyfly's newer generation (framework_schema's tables, as SQLAlchemy
-- creates them, with its naming convention), its event store on the head-row strategy. payload
-- is StoredEventEnvelope.to_json(), metadata json.dumps of the metadata, occurred_at and
-- recorded_at (the database's clock) UTC. Positions 1 to 3 were given by readers (the head row
-- is at 3); o-1's and o-2's second events committed since and wait for one (NULL); o-4's first
-- event is a row of the first generation, from before the table had recorded_at and
-- global_position (both NULL). The checkpoint table has no fence column.
-- Statements end with a semicolon at the end of a line.
CREATE TABLE pyfly_event_store (
	event_id VARCHAR(64) NOT NULL, 
	aggregate_id VARCHAR(255) NOT NULL, 
	aggregate_type VARCHAR(255) NOT NULL, 
	sequence INTEGER NOT NULL, 
	event_type VARCHAR(255) NOT NULL, 
	payload TEXT NOT NULL, 
	metadata TEXT NOT NULL, 
	occurred_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	version INTEGER NOT NULL, 
	tenant_id VARCHAR(64), 
	recorded_at TIMESTAMP WITH TIME ZONE, 
	global_position BIGINT, 
	CONSTRAINT pyfly_event_store_pkey PRIMARY KEY (event_id), 
	CONSTRAINT uq_pyfly_event_store_aggregate_id UNIQUE (aggregate_id, sequence)
);
CREATE UNIQUE INDEX ix_pyfly_event_store_global_position ON pyfly_event_store (global_position);
CREATE TABLE pyfly_event_store_head (
	store VARCHAR(255) NOT NULL, 
	position BIGINT NOT NULL, 
	strategy VARCHAR(32) NOT NULL, 
	PRIMARY KEY (store)
);
CREATE TABLE pyfly_snapshots (
	aggregate_id VARCHAR(255) NOT NULL, 
	aggregate_type VARCHAR(255) NOT NULL, 
	sequence INTEGER NOT NULL, 
	payload TEXT NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (aggregate_id)
);
CREATE TABLE pyfly_projection_checkpoints (
	projection VARCHAR(255) NOT NULL, 
	position BIGINT NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (projection)
);
CREATE TABLE pyfly_locks (
	name VARCHAR(255) NOT NULL, 
	lock_until TIMESTAMP WITH TIME ZONE NOT NULL, 
	locked_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	locked_by VARCHAR(255) NOT NULL, 
	fence BIGINT NOT NULL, 
	PRIMARY KEY (name)
);

INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, recorded_at, global_position)
    VALUES ('b2000000-0000-4000-8000-000000000001', 'o-1', 'Order', 1, 'OrderPlaced', '{"event_id": "b2000000-0000-4000-8000-000000000001", "aggregate_id": "o-1", "aggregate_type": "Order", "sequence": 1, "event_type": "OrderPlaced", "payload": {"order_id": "o-1", "amount": 99, "note": "Caf\u00e9 \u2603"}, "metadata": {"correlation_id": "c-1"}, "occurred_at": "2026-03-01T09:15:00+00:00", "version": 1, "tenant_id": null}', '{"correlation_id": "c-1"}', '2026-03-01 09:15:00+00:00', 1, NULL, '2026-03-01 09:15:00.100000+00:00', 2);
INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, recorded_at, global_position)
    VALUES ('b2000000-0000-4000-8000-000000000002', 'o-2', 'Order', 1, 'OrderPlaced', '{"event_id": "b2000000-0000-4000-8000-000000000002", "aggregate_id": "o-2", "aggregate_type": "Order", "sequence": 1, "event_type": "OrderPlaced", "payload": {"order_id": "o-2", "amount": 5, "note": "tenant''s \"quoted\" order"}, "metadata": {}, "occurred_at": "2026-03-01T09:15:00+00:00", "version": 1, "tenant_id": "t-1"}', '{}', '2026-03-01 09:15:00+00:00', 1, 't-1', '2026-03-01 09:15:00.200000+00:00', 3);
INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, recorded_at, global_position)
    VALUES ('b2000000-0000-4000-8000-000000000003', 'o-1', 'Order', 2, 'OrderShipped', '{"event_id": "b2000000-0000-4000-8000-000000000003", "aggregate_id": "o-1", "aggregate_type": "Order", "sequence": 2, "event_type": "OrderShipped", "payload": {"carrier": "\ud83d\ude9a DHL"}, "metadata": {}, "occurred_at": "2026-03-01T09:20:00.250000+00:00", "version": 1, "tenant_id": null}', '{}', '2026-03-01 09:20:00.250000+00:00', 1, NULL, '2026-03-01 09:20:00.300000+00:00', NULL);
INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, recorded_at, global_position)
    VALUES ('b2000000-0000-4000-8000-000000000004', 'o-2', 'Order', 2, 'OrderShipped', '{"event_id": "b2000000-0000-4000-8000-000000000004", "aggregate_id": "o-2", "aggregate_type": "Order", "sequence": 2, "event_type": "OrderShipped", "payload": {"carrier": "UPS"}, "metadata": {"causation_id": "cmd-9", "attempt": 2}, "occurred_at": "2026-03-01T09:30:00.500000+00:00", "version": 1, "tenant_id": "t-1"}', '{"causation_id": "cmd-9", "attempt": 2}', '2026-03-01 09:30:00.500000+00:00', 1, 't-1', '2026-03-01 09:30:00.600000+00:00', NULL);
INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, recorded_at, global_position)
    VALUES ('b2000000-0000-4000-8000-000000000005', 'o-3', 'Order', 1, 'OrderPlaced', '{"event_id": "b2000000-0000-4000-8000-000000000005", "aggregate_id": "o-3", "aggregate_type": "Order", "sequence": 1, "event_type": "OrderPlaced", "payload": {"order_id": "o-3", "amount": 7, "note": ""}, "metadata": {}, "occurred_at": "2026-03-01T08:00:00.000001+00:00", "version": 1, "tenant_id": null}', '{}', '2026-03-01 08:00:00.000001+00:00', 1, NULL, '2026-03-01 08:00:00.100000+00:00', 1);
INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, recorded_at, global_position)
    VALUES ('b2000000-0000-4000-8000-000000000006', 'o-4', 'Order', 1, 'OrderPlaced', '{"event_id": "b2000000-0000-4000-8000-000000000006", "aggregate_id": "o-4", "aggregate_type": "Order", "sequence": 1, "event_type": "OrderPlaced", "payload": {"order_id": "o-4", "amount": 1, "note": "written by the first generation"}, "metadata": {}, "occurred_at": "2026-02-28T12:00:00+00:00", "version": 1, "tenant_id": null}', '{}', '2026-02-28 12:00:00+00:00', 1, NULL, NULL, NULL);
INSERT INTO pyfly_event_store_head (store, position, strategy) VALUES ('pyfly_event_store', 3, 'head-row');
INSERT INTO pyfly_snapshots (aggregate_id, aggregate_type, sequence, payload, created_at)
    VALUES ('o-1', 'Order', 1, '{"order_id": "o-1", "amount": 99, "note": "Caf\u00e9 \u2603", "shipped": false, "carrier": ""}', '2026-03-01 09:15:01.500000+00:00');
INSERT INTO pyfly_projection_checkpoints (projection, position, updated_at) VALUES ('orders_view', 3, '2026-03-01 09:16:00+00:00');
