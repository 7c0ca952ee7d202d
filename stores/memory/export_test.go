package memory

import (
	"context"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

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
