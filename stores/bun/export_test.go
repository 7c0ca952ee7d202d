package bunstore

import "testing"

// CopyEveryAppend makes s append every batch through COPY, however small, so the suites run that
// path too. It fails t unless s is on PostgreSQL through pgx, the only pool with COPY: a test of
// COPY that ran without it would prove nothing.
func CopyEveryAppend(t testing.TB, s *EventStore) *EventStore {
	t.Helper()
	d, ok := s.dl.(postgresDialect)
	if !ok || !d.pgx {
		t.Fatalf("CopyEveryAppend: the store is not on PostgreSQL through pgx (dialect %T), so it has no COPY path", s.dl)
	}
	d.copyMin = 1
	s.dl = d
	return s
}
