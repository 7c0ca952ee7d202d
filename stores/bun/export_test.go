package bunstore

import (
	"context"
	"testing"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

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

// Bare is s with Append, Load and ReadAll reached past their observer check: the store as it
// would be without the hook code, which the benchmarks compare it with.
type Bare struct{ *EventStore }

// Append is s.Append without the observer check.
func (b Bare) Append(ctx context.Context, aggregateID, aggregateType string, expected int64, events []es.Envelope) error {
	return b.append(ctx, aggregateID, aggregateType, expected, events)
}

// Load is s.Load without the observer check.
func (b Bare) Load(ctx context.Context, aggregateID string, afterSequence int64) ([]es.Envelope, error) {
	return b.load(ctx, aggregateID, afterSequence)
}

// ReadAll is s.ReadAll without the observer check.
func (b Bare) ReadAll(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	return b.readAll(ctx, after, limit)
}
