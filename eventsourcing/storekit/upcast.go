package storekit

import (
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
)

// ApplyUpcasters runs ups over e in order and keeps e's GlobalPosition. e must be the caller's
// own copy. An upcaster's error, or an output that is not a JSON object, matches es.ErrDecode.
func ApplyUpcasters(ups []es.Upcaster, e es.Envelope) (es.Envelope, error) {
	if len(ups) == 0 {
		return e, nil
	}
	pos := e.GlobalPosition
	for i, u := range ups {
		if !u.AppliesTo(e) {
			continue
		}
		out, err := u.Upcast(e)
		if err != nil {
			return es.Envelope{}, fmt.Errorf("%w: upcaster %d (%T) on event %s (%s): %w", es.ErrDecode, i, u, e.EventID, e.EventType, err)
		}
		if !check.JSONObject(out.Payload) {
			return es.Envelope{}, fmt.Errorf("%w: upcaster %d (%T) on event %s (%s) returned a payload that is not a JSON object", es.ErrDecode, i, u, e.EventID, e.EventType)
		}
		e = out
	}
	e.GlobalPosition = pos
	return e, nil
}
