// Package testkit holds what the project's tests and its users' tests share: conformance suites
// that every event store, snapshot store and outbox store runs, a Given/When/Then fixture for
// aggregates, a recording publish function for outboxes, a throwaway PostgreSQL server and a
// throwaway NATS JetStream server for tests, and SQLite helpers.
package testkit
