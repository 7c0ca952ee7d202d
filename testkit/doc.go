// Package testkit holds what the project's tests and its users' tests share: conformance suites
// that every event store, snapshot store, checkpoint store, lease, dead-letter store and outbox
// store runs, the acceptance suite of projection runners, a Given/When/Then fixture for
// aggregates, a recording publish function for outboxes, a log recorder and SQLite helpers.
//
// Real servers for tests live in sub-packages, which only the tests that want them import:
// testkit/pgtest starts a throwaway PostgreSQL server, testkit/natstest a NATS JetStream server.
package testkit
