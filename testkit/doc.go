// Package testkit holds what the project's tests and its users' tests share: conformance suites
// that every event store, snapshot store, checkpoint store, lease and dead-letter store runs, the
// acceptance suite of projection runners and their benchmark, a Given/When/Then fixture for
// aggregates, a throwaway PostgreSQL server for tests, and SQLite helpers.
//
// Everything builds on every platform Go supports. The PostgreSQL launcher behind
// [StartPostgres] runs on Unix only; elsewhere StartPostgres uses the server named by
// ES_TEST_POSTGRES_URL, or skips the test (fails it under ES_REQUIRE_POSTGRES=1).
package testkit
