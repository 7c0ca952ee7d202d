// Package testkit holds what the project's tests and its users' tests share: conformance suites
// that every event store and snapshot store runs, a Given/When/Then fixture for aggregates, a
// throwaway PostgreSQL server for tests, and SQLite helpers.
package testkit
