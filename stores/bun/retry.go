package bunstore

import (
	"context"
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// possibleRetry is an append refused in a way a retry of an append that committed would be: its
// first event id is stored at the expected version + 1, or one of its ids is taken. Append then
// compares what is stored with what it was given.
type possibleRetry struct {
	cause                      error
	aggregateID, aggregateType string
	expected                   int64
	// txUsable: the transaction the append ran in can still be read (the refusal was a check,
	// not an error that aborted it).
	txUsable bool
}

func (e *possibleRetry) Error() string { return e.cause.Error() }
func (e *possibleRetry) Unwrap() error { return e.cause }

// settleRetry returns nil when the events of the refused append are stored already, each with
// the same content at the sequence the append would have given it (nothing more to write), a
// *es.ConcurrencyError naming the event when one of its ids is stored there with other content,
// and the original error otherwise.
func (s *EventStore) settleRetry(ctx context.Context, st *txState, r *possibleRetry, events []es.Envelope) error {
	if st != nil && !r.txUsable {
		return r.cause // the error aborted the transaction: it cannot be read any more
	}
	raw := *s // compare with the stored form: no upcasters
	raw.upcasters = nil
	stored, err := s.dl.queryEvents(ctx, &raw, st, "append: compare with stored events", len(events), s.q.loadSome, r.aggregateID, r.expected, len(events))
	if err != nil || len(stored) < len(events) {
		return r.cause
	}
	for i := range events {
		want := events[i]
		want.AggregateID, want.AggregateType, want.Sequence = r.aggregateID, r.aggregateType, r.expected+int64(i)+1
		if stored[i].EventID != want.EventID {
			return r.cause
		}
		if !sameEvent(stored[i], want) {
			return &es.ConcurrencyError{
				AggregateID: r.aggregateID, AggregateType: r.aggregateType, Expected: r.expected, Actual: -1,
				Reason: fmt.Sprintf("event %s is already stored at sequence %d with different content; a retry must carry the same events, a new command needs new event ids",
					want.EventID, stored[i].Sequence),
			}
		}
	}
	return nil
}

// sameEvent reports whether a stored event is the one an append was given, compared in the form
// the store keeps (times to the microsecond, metadata as JSON gives it back).
func sameEvent(stored, given es.Envelope) bool {
	given.OccurredAt = storekit.StoredTime(given.OccurredAt)
	md, err := storekit.NormalizeMetadata(given.Metadata)
	if err != nil {
		return false
	}
	given.Metadata = md
	return stored.Equal(given)
}
