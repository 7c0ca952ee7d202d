// Package testkit holds what the project's tests and its users' tests share: conformance suites
// that every event store, snapshot store, checkpoint store, lease, dead-letter store and outbox
// store runs, the acceptance suite of projection runners and their benchmark, a Given/When/Then
// fixture for aggregates, a recording publish function for outboxes, a throwaway PostgreSQL
// server and a throwaway NATS JetStream server for tests, and SQLite helpers.
//
// Everything builds on every platform Go supports. The PostgreSQL and NATS launchers behind
// [StartPostgres] and [StartNATS] run on Unix only; elsewhere they use the server named by
// ES_TEST_POSTGRES_URL or ES_TEST_NATS_URL, or skip the test (fail it under
// ES_REQUIRE_POSTGRES=1 or ES_REQUIRE_NATS=1).
package testkit
