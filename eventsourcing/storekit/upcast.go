package storekit

import (
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
)

// ApplyUpcasters runs ups over e in order. e must be the caller's own copy. An upcaster's error,
// an output payload no reader could decode, or an output that moves the event (another aggregate
// id, sequence or global position) matches es.ErrDecode and names the upcaster: a store must never
// hand out a silently reordered stream.
func ApplyUpcasters(ups []es.Upcaster, e es.Envelope) (es.Envelope, error) {
	for i, u := range ups {
		if !u.AppliesTo(e) {
			continue
		}
		out, err := u.Upcast(e)
		if err != nil {
			return es.Envelope{}, fmt.Errorf("%w: upcaster %d (%T) on event %s (%s): %w", es.ErrDecode, i, u, e.EventID, e.EventType, err)
		}
		if p := check.JSONPayload(out.Payload); p != "" {
			return es.Envelope{}, fmt.Errorf("%w: upcaster %d (%T) on event %s (%s) returned a payload that %s", es.ErrDecode, i, u, e.EventID, e.EventType, p)
		}
		if moved := movedBy(e, out); moved != "" {
			return es.Envelope{}, fmt.Errorf("%w: upcaster %d (%T) on event %s (%s) changed its %s; an upcaster may rewrite an event, never move it",
				es.ErrDecode, i, u, e.EventID, e.EventType, moved)
		}
		e = out
	}
	return e, nil
}

// movedBy names what of an event's place changed between in and out, "" when nothing did.
func movedBy(in, out es.Envelope) string {
	switch {
	case out.AggregateID != in.AggregateID:
		return fmt.Sprintf("aggregate id (%q to %q)", in.AggregateID, out.AggregateID)
	case out.Sequence != in.Sequence:
		return fmt.Sprintf("sequence (%d to %d)", in.Sequence, out.Sequence)
	case out.GlobalPosition != in.GlobalPosition:
		return fmt.Sprintf("global position (%d to %d)", in.GlobalPosition, out.GlobalPosition)
	}
	return ""
}
