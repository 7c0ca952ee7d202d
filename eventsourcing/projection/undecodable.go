package projection

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// undecodableNext returns the *es.DecodeError of a read that stopped at an event the store cannot
// hand out (see es.EventStore.ReadAll), when that event lies after the events read with it, past
// the cursor after; nil otherwise: any other failure, or a store that broke the contract.
func undecodableNext(err error, after int64, events []es.Envelope) *es.DecodeError {
	var de *es.DecodeError
	if !errors.As(err, &de) {
		return nil
	}
	if n := len(events); n > 0 {
		after = events[n-1].GlobalPosition
	}
	if de.Event.GlobalPosition <= after {
		return nil
	}
	return de
}

// undecodable deals with the event the store cannot hand out that comes next on the stream, as
// with an event the projection fails on: it is tried again (read again) after the back-off and,
// with dead letters, parked after the maximum attempts with the decode error as its error, the
// checkpoint moving past it. The parked event is what the store could read of it, with {} for a
// payload that did not decode.
func (r *Runner) undecodable(ctx context.Context, l *loopState, de *es.DecodeError) (time.Duration, bool) {
	e := de.Event
	if len(e.Payload) == 0 {
		e.Payload = json.RawMessage(`{}`)
	}
	if _, held := l.holds.aggregates[e.AggregateID]; held {
		return r.holdBack(ctx, l, e)
	}
	attempts := r.noteHandlerFailure(l, e, de)
	return r.afterHandlerFailure(ctx, l, e, attempts, de)
}
