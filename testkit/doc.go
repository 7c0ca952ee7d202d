// Package testkit holds what the project's tests and its users' tests share: conformance suites
// that every event store, snapshot store, checkpoint store, lease, dead-letter store and outbox
// store runs, the acceptance suite of projection runners, a Given/When/Then fixture for
// aggregates, a recording publish function for outboxes, a log recorder and SQLite helpers. It
// has the core's dependencies only: a test that imports it builds no database driver, broker or
// ORM.
//
// Real servers and brokers live in sub-packages, which only the tests that want them import:
// testkit/pgtest starts a throwaway PostgreSQL server, testkit/natstest a NATS JetStream server,
// and testkit/brokertest has the brokers ([OutboxBroker]) the outbox store suite relays to.
package testkit
