-- A SQLite database as migrations 0001 and 0002 left it (bun/migrate's bookkeeping), holding
-- events and a snapshot the event store wrote before migration 0005: version 4 event ids as the
-- primary key, global_position a separate unique index. Made with the store of that release and
-- sqlite3 .dump (without its PRAGMA and transaction lines). Statements end with a semicolon at
-- the end of a line.
CREATE TABLE pyfly_es_migrations ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR, "group_id" INTEGER, "migrated_at" TIMESTAMP NOT NULL DEFAULT current_timestamp);
INSERT INTO pyfly_es_migrations VALUES(1,'0001',1,'2024-05-01 10:00:00');
INSERT INTO pyfly_es_migrations VALUES(3,'0002',1,'2024-05-01 10:00:00');
CREATE TABLE pyfly_event_store (
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
INSERT INTO pyfly_event_store VALUES('2d80ae4c-7b7c-4a5b-a748-b4b6c2bdfb10','order-1','Order',1,'OrderPlaced','{"amount":10,"note":"first"}','{"correlation_id":"c-1"}','2024-05-01T10:00:01.000123000Z',1,NULL,1,'2024-05-01T10:00:09.000Z');
INSERT INTO pyfly_event_store VALUES('32b1da0b-3e4f-43b9-9977-ca928803c29d','order-1','Order',2,'OrderLineAdded','{"sku":"SKU-1","qty":2}','{"correlation_id":"c-1"}','2024-05-01T10:00:02.000123000Z',1,NULL,2,'2024-05-01T10:00:09.000Z');
INSERT INTO pyfly_event_store VALUES('935c1f7f-caf6-4a56-b4b8-13cb0d040706','order-2','Order',1,'OrderPlaced','{"amount":20,"note":"tenant \"t-1\", unicode é ☃"}','{"n":1.5,"nested":{"big":9007199254740993}}','2024-05-01T10:00:03.000123000Z',1,'t-1',3,'2024-05-01T10:00:09.000Z');
INSERT INTO pyfly_event_store VALUES('621debdd-f789-4488-b991-e0514d7113af','order-1','Order',3,'OrderShipped','{}','{}','2024-05-01T10:00:04.000123000Z',1,NULL,4,'2024-05-01T10:00:09.000Z');
INSERT INTO pyfly_event_store VALUES('49d6f251-dd46-452b-ba3f-6dd60b9718f6','account-7','Account',1,'Opened','{"owner":"o"}','{}','2024-05-01T10:00:05.000123000Z',1,NULL,5,'2024-05-01T10:00:09.000Z');
INSERT INTO pyfly_event_store VALUES('29d2682b-ce82-40c2-bc68-e73df04f362e','account-7','Account',2,'Deposited','{"amount":5}','{}','2024-05-01T10:00:06.000123000Z',1,NULL,6,'2024-05-01T10:00:09.000Z');
INSERT INTO pyfly_event_store VALUES('2e2e4a7d-d9c4-4208-8180-488529e982ee','account-7','Account',3,'Deposited','{"amount":6}','{}','2024-05-01T10:00:07.000123000Z',1,NULL,7,'2024-05-01T10:00:09.000Z');
INSERT INTO pyfly_event_store VALUES('d59bc79b-f166-431c-a0cf-e6a03bfbbf38','order-2','Order',2,'OrderShipped','{"by":"van"}','{"causation_id":"x"}','2024-05-01T10:00:08.000123000Z',1,'t-1',8,'2024-05-01T10:00:09.000Z');
CREATE TABLE pyfly_snapshots (
    aggregate_id   VARCHAR(64)  NOT NULL PRIMARY KEY,
    aggregate_type VARCHAR(255) NOT NULL,
    sequence       BIGINT       NOT NULL,
    payload        TEXT         NOT NULL,
    created_at     TEXT         NOT NULL
);
INSERT INTO pyfly_snapshots VALUES('order-1','Order',2,'{"amount":10}','2024-05-01T10:00:00.000000000Z');
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('pyfly_es_migrations',4);
CREATE UNIQUE INDEX "pyfly_es_migrations_name_unique" ON pyfly_es_migrations ("name");
CREATE UNIQUE INDEX pyfly_event_store_global_position_key ON pyfly_event_store (global_position);
