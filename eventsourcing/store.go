package eventsourcing

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gofly/eventsourcing/internal/jsoncopy"
)

// EventStore persists envelopes per aggregate with optimistic concurrency and pages them back as a
// global stream. Implementations are safe for concurrent use, copy envelopes in and out, validate
// input before touching anything, and return the package's errors rather than raw driver errors.
type EventStore interface {
	// Append writes events atomically after checking the aggregate's current version equals
	// expected (0 for a new aggregate). It sets AggregateID, AggregateType and Sequence on the given
	// envelopes on success only, and GlobalPosition too when the store knows it by then: the
	// position ReadAll gives the event once the transaction it was appended in commits. (The
	// memory store inside a unit of work numbers events only when the unit commits.) A version
	// mismatch or a lost race is a *ConcurrencyError.
	Append(ctx context.Context, aggregateID, aggregateType string, expected int64, events []Envelope) error
	// Load returns the aggregate's events with Sequence > afterSequence in sequence order, upcast.
	// An unknown aggregate gives an empty slice and no error. An event the store cannot hand out
	// fails the call with a *DecodeError naming it (see ReadAll).
	Load(ctx context.Context, aggregateID string, afterSequence int64) ([]Envelope, error)
	// LatestVersion returns the aggregate's highest sequence, 0 when it has no events.
	LatestVersion(ctx context.Context, aggregateID string) (int64, error)
	// ReadAll pages the global stream: events with GlobalPosition > after, in position order, at
	// most limit, upcast. Positions strictly increase; once a reader has seen position p no event
	// can later appear at or below p. after < 0, limit < 1 or a cursor that is not on the stream is
	// ErrInvalidArgument.
	//
	// An event the store cannot hand out (a row that does not decode, an upcaster that fails on
	// it) ends the page: ReadAll returns the events before it together with a *DecodeError that
	// names it and its position (Event.GlobalPosition). It is the only error that comes with
	// events. A reader applies them, deals with the one event (a projection runner retries it,
	// then parks it as a dead letter), and reads on from its position, which is on the stream:
	// ReadAll after it returns the events after it.
	ReadAll(ctx context.Context, after int64, limit int) ([]Envelope, error)
	// LastPosition returns the highest position a reader can see now, 0 when the stream is empty.
	LastPosition(ctx context.Context) (int64, error)
}

// Snapshot is the saved state of one aggregate at one sequence.
type Snapshot struct {
	AggregateID   string
	AggregateType string
	Sequence      int64
	Payload       json.RawMessage
	CreatedAt     time.Time
}

// SnapshotStore keeps the newest snapshot of each aggregate.
type SnapshotStore interface {
	// Save stores s unless a snapshot with an equal or higher sequence is already stored.
	Save(ctx context.Context, s Snapshot) error
	// Load returns the aggregate's snapshot and true, or false when there is none.
	Load(ctx context.Context, aggregateID string) (Snapshot, bool, error)
	// Delete removes the aggregate's snapshot and reports whether there was one.
	Delete(ctx context.Context, aggregateID string) (bool, error)
}

// Transactor runs fn in one transaction: the context given to fn carries it, and every store that
// writes through it joins (see [TxJoiner]). fn's error, or a panic, rolls everything back; a
// nested InTx joins the outer transaction. Every store of this module implements it (the memory
// store with a unit of work applied at commit). A decorator around a store keeps transactions by
// forwarding InTx (and OnTxEnd, see [TxEndNotifier]), or by offering Unwrap() EventStore.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// TxJoiner is implemented by stores that write through a transaction the context carries (the
// snapshot, checkpoint and outbox stores). JoinsTx reports whether this store's writes under ctx
// are part of that transaction: true when ctx carries a transaction of the store's own kind on
// the store's own database.
type TxJoiner interface {
	JoinsTx(ctx context.Context) bool
}

// CommitNotifier is implemented by stores that can tell readers when new data may be readable, so
// projection runners and outbox relays wake up without waiting for their poll interval. The hint
// may be spurious or coalesced (one signal for many commits); readers still poll as a fallback.
type CommitNotifier interface {
	// CommitNotifications returns a channel that receives a value after writes to the store
	// commit. It is closed when ctx ends.
	CommitNotifications(ctx context.Context) <-chan struct{}
}

// Clone returns a deep copy of s.
func (s Snapshot) Clone() Snapshot {
	s.Payload = jsoncopy.Raw(s.Payload)
	return s
}
