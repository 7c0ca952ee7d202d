package eventsourcing

import (
	"context"
	"errors"
	"time"

	"github.com/gofly/eventsourcing/internal/unwrap"
)

// Observers are hooks, in the manner of pgx's QueryTracer and Bun's QueryHook: the repository,
// the stores, the projection runner and the outbox relay call a Start method when an operation
// begins, run the operation under the context it returns (so a span it starts is the parent of
// whatever the operation does, and the transaction the context carries stays visible), and an
// End method with the outcome and the time it took. Nothing but the call changes: transactions,
// bunstore.TxFrom and stores joining the context's transaction keep working.
//
// Each component takes the narrow interface it calls ([StoreObserver], [BatchObserver],
// [PublishObserver]) through an option (WithObserver in the stores, es.WithObserver for the
// repository, projection.WithObserver, outbox.WithObserver); [Observer] is all three, as an
// implementation such as the OpenTelemetry one offers them. Without an observer a component
// makes one nil check per call and allocates nothing. The values handed to an observer carry
// names, counts and positions, never payloads or metadata.
//
// An observer must be safe for concurrent use, return quickly and not panic; a Start method
// returns ctx itself, or a context derived from it.
type Observer interface {
	StoreObserver
	BatchObserver
	PublishObserver
}

// StoreObserver observes the event stores' Append, Load and ReadAll and the repository's Save
// (see [Observer]).
type StoreObserver interface {
	// StartOp is called before op runs; op runs under the context it returns.
	StartOp(ctx context.Context, op Op) context.Context
	// EndOp is called once op has run, with the context StartOp returned. op is the one given to
	// StartOp, with what only the outcome tells filled in (the aggregate type of a Load).
	EndOp(ctx context.Context, op Op, res OpResult)
}

// BatchObserver observes a projection runner's batches (see [Observer]).
type BatchObserver interface {
	// StartBatch is called before the runner applies b; the batch (its transaction, when the
	// checkpoint store runs them, and the projection's handler) runs under the context it
	// returns.
	StartBatch(ctx context.Context, b Batch) context.Context
	// EndBatch is called once the attempt at b is over, with the context StartBatch returned.
	EndBatch(ctx context.Context, b Batch, res BatchResult)
}

// PublishObserver observes an outbox relay's publishes (see [Observer]).
type PublishObserver interface {
	// StartPublish is called before the relay publishes p's event; the publish runs under the
	// context it returns.
	StartPublish(ctx context.Context, p Publish) context.Context
	// EndPublish is called once the publish returned (or was abandoned at its timeout), with
	// the context StartPublish returned.
	EndPublish(ctx context.Context, p Publish, res PublishResult)
}

// OpKind names an observed operation.
type OpKind string

// The operations a [StoreObserver] sees.
const (
	// OpAppend is EventStore.Append.
	OpAppend OpKind = "append"
	// OpLoad is EventStore.Load.
	OpLoad OpKind = "load"
	// OpReadAll is EventStore.ReadAll.
	OpReadAll OpKind = "read_all"
	// OpSave is Repository.Save: the append and, in its transaction, the outbox records and the
	// snapshot.
	OpSave OpKind = "save"
)

// The database systems stores report in [Op.System], as OpenTelemetry's db.system.name spells
// them (memory for the memory stores).
const (
	SystemPostgreSQL = "postgresql"
	SystemSQLite     = "sqlite"
	SystemMemory     = "memory"
)

// Op describes one store or repository operation.
type Op struct {
	// Kind is the operation.
	Kind OpKind
	// System is the database the store runs on ([SystemPostgreSQL], [SystemSQLite],
	// [SystemMemory]); "" when the repository's store does not say (see [SystemOf]).
	System string
	// AggregateType is the aggregate's type: given to Append and Save; for Load, the type of
	// the events it returned ("" at start, and when it found none); "" for ReadAll.
	AggregateType string
	// AggregateID is the aggregate's id for Append, Load and Save; "" for ReadAll.
	AggregateID string
	// Events is how many events Append and Save write; 0 for reads (see [OpResult.Events]).
	Events int
	// After is Load's afterSequence, ReadAll's cursor, and the expected version of Append and
	// Save.
	After int64
}

// OpResult is the outcome of an [Op].
type OpResult struct {
	// Events is how many events the operation wrote (Append, Save) or returned (Load, ReadAll).
	Events int
	// Err is the operation's error, nil on success. [OutcomeOf] classifies it.
	Err error
	// Duration is how long the operation took.
	Duration time.Duration
}

// Batch describes one attempt of a projection runner at a batch of events.
type Batch struct {
	// Projection is the projection's name, Version the version the runner runs (1 unless
	// projection.WithVersion says otherwise).
	Projection string
	Version    int
	// Events is how many events the batch holds.
	Events int
	// From is the checkpoint before the batch: its events have positions above it.
	From int64
	// To is the position of the batch's last event.
	To int64
}

// BatchResult is the outcome of a [Batch].
type BatchResult struct {
	// Applied is how many of its events are stored as applied (their checkpoint committed).
	Applied int
	// Superseded is true when the checkpoint had moved elsewhere (another runner, a reset): the
	// batch stored nothing, and the runner reloads its checkpoint.
	Superseded bool
	// Err is the handler's or the store's error, nil when none occurred.
	Err error
	// Duration is how long the attempt took.
	Duration time.Duration
}

// Publish describes one attempt of an outbox relay at publishing an event.
type Publish struct {
	// Outbox is the outbox's name.
	Outbox string
	// EventID, EventType and AggregateType name the event.
	EventID       string
	EventType     string
	AggregateType string
	// Attempt counts the attempts at the record, this one included.
	Attempt int
}

// PublishResult is the outcome of a [Publish].
type PublishResult struct {
	// Err is the publish's error (a timeout, a panic, the broker's refusal), nil on success.
	Err error
	// Duration is how long the publish took.
	Duration time.Duration
}

// Outcome classifies how an observed operation ended.
type Outcome string

// The outcomes [OutcomeOf] tells.
const (
	OutcomeOK         Outcome = "ok"
	OutcomeConflict   Outcome = "conflict"   // ErrConcurrency
	OutcomeNotFound   Outcome = "not_found"  // ErrAggregateNotFound
	OutcomeInvalid    Outcome = "invalid"    // ErrInvalidArgument
	OutcomeUnknown    Outcome = "unknown"    // ErrOutcomeUnknown: it may have committed
	OutcomeDecode     Outcome = "decode"     // ErrDecode
	OutcomeCanceled   Outcome = "canceled"   // the context was cancelled or timed out
	OutcomeSuperseded Outcome = "superseded" // a projection batch whose checkpoint had moved
	OutcomeError      Outcome = "error"      // anything else
)

// OutcomeOf classifies err: [OutcomeOK] for nil, else the first of the errors above it matches.
func OutcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, ErrConcurrency):
		return OutcomeConflict
	case errors.Is(err, ErrAggregateNotFound):
		return OutcomeNotFound
	case errors.Is(err, ErrInvalidArgument):
		return OutcomeInvalid
	case errors.Is(err, ErrOutcomeUnknown):
		return OutcomeUnknown
	case errors.Is(err, ErrDecode):
		return OutcomeDecode
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return OutcomeCanceled
	}
	return OutcomeError
}

// Outcome is the batch's outcome: [OutcomeSuperseded], or [OutcomeOf] its error.
func (r BatchResult) Outcome() Outcome {
	if r.Superseded {
		return OutcomeSuperseded
	}
	return OutcomeOf(r.Err)
}

// SystemOf returns the database system store runs on, as its DBSystem method says
// ([SystemPostgreSQL], [SystemSQLite], [SystemMemory]), looking through decorators that offer
// Unwrap() EventStore; "" when none says.
func SystemOf(store EventStore) string {
	if s, ok := unwrap.Find[interface{ DBSystem() string }](store); ok {
		return s.DBSystem()
	}
	return ""
}

// observeWrite runs write, a repository's Save, under obs's report of op: StartOp, then write
// under the context it returned, then EndOp with op.Events and write's error (stores use
// storekit.ObserveWrite, the same for their Append).
func observeWrite(ctx context.Context, obs StoreObserver, op Op, write func(ctx context.Context) error) error {
	began := time.Now()
	ctx = obs.StartOp(ctx, op)
	err := write(ctx)
	obs.EndOp(ctx, op, OpResult{Events: op.Events, Err: err, Duration: time.Since(began)})
	return err
}
