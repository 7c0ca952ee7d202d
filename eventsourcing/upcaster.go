package eventsourcing

// Upcaster rewrites old envelopes into their current form on read. Stores apply their upcasters
// in registration order, one pass, on every read path (Load, ReadAll) and never on writes; each
// upcaster sees the previous one's output and works on a copy, so it may change it freely. It
// must not move or rename the event (its aggregate id, sequence and event id stay); the output
// keeps the store's GlobalPosition, also when it leaves it 0 (a newly built envelope).
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
