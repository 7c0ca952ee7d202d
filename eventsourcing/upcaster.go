package eventsourcing

import "fmt"

// Upcaster rewrites old envelopes into their current form on read. Stores apply their upcasters
// in registration order, one pass, on every read path (Load, ReadAll) and never on writes; each
// upcaster sees the previous one's output and works on a copy, so it may change it freely.
type Upcaster interface {
	AppliesTo(e Envelope) bool
	Upcast(e Envelope) (Envelope, error)
}

// UpcasterFunc adapts a predicate and a function to [Upcaster].
type UpcasterFunc struct {
	Match func(Envelope) bool
	Fn    func(Envelope) (Envelope, error)
}

// AppliesTo implements Upcaster.
func (u UpcasterFunc) AppliesTo(e Envelope) bool { return u.Match(e) }

// Upcast implements Upcaster.
func (u UpcasterFunc) Upcast(e Envelope) (Envelope, error) { return u.Fn(e) }

// ApplyUpcasters runs ups over e in order and keeps e's GlobalPosition. e should be the caller's
// own copy. An upcaster's error, or an output that is not a JSON object, matches [ErrDecode].
func ApplyUpcasters(ups []Upcaster, e Envelope) (Envelope, error) {
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
			return Envelope{}, fmt.Errorf("%w: upcaster %d (%T) on event %s (%s): %w", ErrDecode, i, u, e.EventID, e.EventType, err)
		}
		if !isJSONObject(out.Payload) {
			return Envelope{}, fmt.Errorf("%w: upcaster %d (%T) on event %s (%s) returned a payload that is not a JSON object", ErrDecode, i, u, e.EventID, e.EventType)
		}
		e = out
	}
	e.GlobalPosition = pos
	return e, nil
}
