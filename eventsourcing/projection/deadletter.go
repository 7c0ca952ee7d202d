package projection

import (
	"context"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// DeadLetter is an event a projection gave up on after the runner's maximum number of attempts
// (see [WithDeadLetters]): the runner parked it and moved the checkpoint past it.
type DeadLetter struct {
	// Projection is the projection's name.
	Projection string
	// Event is the event, as the runner read it.
	Event es.Envelope
	// Attempts is how many times the projection failed on it; 0 for an event the runner held
	// back, untried, behind an earlier dead letter of its aggregate (dead-letter policy
	// es.DeadLetterParkAggregate): see [DeadLetter.Held].
	Attempts int
	// Error is the text of the last failure.
	Error string
	// FailedAt is when it was parked (UTC).
	FailedAt time.Time
}

// Held reports whether the event was held back behind an earlier dead letter of its aggregate
// rather than parked for its own failures: its Attempts are 0.
func (d DeadLetter) Held() bool { return d.Attempts == 0 }

// DeadLetterStore keeps the events projections gave up on, so operators can see them, handle
// them by other means and remove them. Park joins the transaction in ctx, so an event is parked
// and the checkpoint moved past it together. Implementations are safe for concurrent use.
type DeadLetterStore interface {
	// Park stores d. Parking an event the projection already parked replaces the record.
	Park(ctx context.Context, d DeadLetter) error
	// List returns the projection's dead letters with an event position above after, in
	// position order, at most limit (limit ≥ 1).
	List(ctx context.Context, projection string, after int64, limit int) ([]DeadLetter, error)
	// Count returns how many dead letters the projection has.
	Count(ctx context.Context, projection string) (int64, error)
	// Delete removes the projection's dead letter of the event with that id and reports whether
	// there was one.
	Delete(ctx context.Context, projection, eventID string) (bool, error)
}
