package outbox

import (
	"context"
	"fmt"
	"sync"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/errs"
)

// PublishFunc sends one event to the broker; nil means the broker has it. (*eda.Publisher).Publish
// has this shape: its messages carry the event id as their id. It must be safe for concurrent use
// when the outbox runs several relays, and should return when ctx ends.
type PublishFunc func(ctx context.Context, e es.Envelope) error

// Outbox is a transactional outbox: [Outbox.Enqueue] writes records with the business
// transaction, relays started by [Outbox.Start] publish them. It implements [es.EventEnqueuer] and
// [es.TxJoiner], so es.WithOutbox(ob) makes a repository enqueue every saved event in the append's
// transaction. It is safe for concurrent use.
type Outbox struct {
	store   Store
	publish PublishFunc
	cfg     config

	mu     sync.Mutex
	relays *relayGroup // the relays between Start and Stop, nil otherwise
}

var (
	_ es.EventEnqueuer = (*Outbox)(nil)
	_ es.TxJoiner      = (*Outbox)(nil)
)

// New returns an outbox over store that publishes through publish, configured by opts: options
// that set single settings, or [WithConfig] for a whole [Config]. It does no I/O; relays run from
// [Outbox.Start] to [Outbox.Stop]. Bad settings are errors matching es.ErrInvalidArgument (a
// *[ConfigError] naming the field; see [Config.Validate]).
func New(store Store, publish PublishFunc, opts ...Option) (*Outbox, error) {
	if check.IsNil(store) {
		return nil, errs.Invalid("outbox.New: the store must not be nil")
	}
	if publish == nil {
		return nil, errs.Invalid("outbox.New: the publish function must not be nil")
	}
	var c Config
	for i, opt := range opts {
		if opt == nil {
			return nil, errs.Invalid("outbox.New: option %d is nil", i)
		}
		if err := opt(&c); err != nil {
			return nil, err
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &Outbox{store: store, publish: publish, cfg: c.resolve()}, nil
}

// Name returns the outbox's name.
func (o *Outbox) Name() string { return o.cfg.name }

// Owner returns the id the outbox claims records under.
func (o *Outbox) Owner() string { return o.cfg.owner }

// Store returns the outbox's store.
func (o *Outbox) Store() Store { return o.store }

// JoinsTx implements [es.TxJoiner]: whether the outbox's store writes through the transaction ctx
// carries.
func (o *Outbox) JoinsTx(ctx context.Context) bool { return o.store.JoinsTx(ctx) }

// Enqueue adds env to the outbox: in the transaction ctx carries when the store joins it (the
// record exists exactly when that transaction commits), else in a transaction of its own. An
// event already in the outbox is left as it is.
func (o *Outbox) Enqueue(ctx context.Context, env es.Envelope) error {
	return o.EnqueueEvents(ctx, []es.Envelope{env})
}

// EnqueueEvents implements [es.EventEnqueuer]: [Outbox.Enqueue] for several events, all or none.
// An empty slice does nothing. The store validates the events: bad input is an error matching
// es.ErrInvalidArgument.
func (o *Outbox) EnqueueEvents(ctx context.Context, events []es.Envelope) error {
	if len(events) == 0 {
		return nil
	}
	inTx := o.store.JoinsTx(ctx)
	if err := o.store.Enqueue(ctx, o.cfg.name, events, time.Now()); err != nil {
		return fmt.Errorf("outbox %q: enqueue: %w", o.cfg.name, err)
	}
	if !inTx {
		o.wake() // committed already; in a transaction, the store's commit signal wakes the relays
	}
	return nil
}

// EnqueueWithAppend returns ctx carrying a request that the event store's append of events write
// their records into this outbox in the append's own statement, when the store can (see
// [AppendEnqueuer]; the Bun store on PostgreSQL, in a transaction), and a function that reports
// afterwards whether it did; when it did not, [Outbox.EnqueueEvents] them as usual, in the same
// transaction. Repositories built with [es.WithOutbox] do this around their appends.
func (o *Outbox) EnqueueWithAppend(ctx context.Context, events []es.Envelope) (context.Context, func() bool) {
	if a, ok := o.store.(AppendEnqueuer); ok && len(events) > 0 {
		return a.EnqueueWithAppend(ctx, o.store, o.cfg.name, events, time.Now())
	}
	return ctx, notWritten
}

// notWritten answers for a store that cannot write records with an append.
func notWritten() bool { return false }

// Pending lists up to limit records not yet delivered and not dead, in enqueue order.
func (o *Outbox) Pending(ctx context.Context, limit int) ([]Record, error) {
	recs, err := o.store.Pending(ctx, o.cfg.name, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox %q: pending: %w", o.cfg.name, err)
	}
	return recs, nil
}

// DeadLetters lists up to limit dead letters, the most recently failed first, with their last
// error and attempt count.
func (o *Outbox) DeadLetters(ctx context.Context, limit int) ([]Record, error) {
	recs, err := o.store.DeadLetters(ctx, o.cfg.name, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox %q: dead letters: %w", o.cfg.name, err)
	}
	return recs, nil
}

// Retry brings the dead letter with event id id back: it is due at once with a fresh set of
// attempts. An id that is not a dead letter of this outbox is an error matching
// [ErrNoDeadLetter].
func (o *Outbox) Retry(ctx context.Context, id string) error {
	if err := o.store.Retry(ctx, o.cfg.name, id); err != nil {
		return fmt.Errorf("outbox %q: retry %q: %w", o.cfg.name, id, err)
	}
	o.wake()
	return nil
}

// wake tells running relays to look for due records now.
func (o *Outbox) wake() {
	o.mu.Lock()
	r := o.relays
	o.mu.Unlock()
	if r != nil {
		r.wake()
	}
}
