package eventsourcing

import (
	"context"
	"log/slog"

	"github.com/gofly/eventsourcing/internal/check"
)

// DefaultSnapshotInterval is the snapshot interval the module's configuration uses when
// pyfly.eventsourcing.snapshot.interval is not set (pyfly's default); pass it to [WithSnapshots]
// for the same interval without the module.
const DefaultSnapshotInterval = 100

// RepositoryOption configures a [Repository].
type RepositoryOption func(*repoConfig) error

// apply runs the options and fills the defaults.
func (c *repoConfig) apply(opts []RepositoryOption) error {
	for i, o := range opts {
		if o == nil {
			return invalidArg("NewRepository: option %d is nil", i)
		}
		if err := o(c); err != nil {
			return err
		}
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return nil
}

type repoConfig struct {
	snapshots     SnapshotStore
	interval      int64
	snapOptional  bool // WithSnapshotsWhenLossless: a lossy aggregate type goes without, logged
	aggregateType string
	tx            Transactor
	outbox        EventEnqueuer
	logger        *slog.Logger
	observer      StoreObserver
}

// EventEnqueuer takes saved envelopes into an outbox inside the append's transaction (the context
// carries it when the store is a [Transactor]).
type EventEnqueuer interface {
	EnqueueEvents(ctx context.Context, events []Envelope) error
}

// WithSnapshots makes the repository restore from snapshots and take one whenever a save crosses
// a multiple of interval, which must be 1 or more ([DefaultSnapshotInterval] is pyfly's 100): 0 or
// a negative interval is an [ErrInvalidArgument] from [NewRepository].
func WithSnapshots(store SnapshotStore, interval int) RepositoryOption {
	return func(c *repoConfig) error {
		if check.IsNil(store) {
			return invalidArg("WithSnapshots: the snapshot store must not be nil")
		}
		if interval < 1 {
			return invalidArg("WithSnapshots: interval must be 1 or more (es.DefaultSnapshotInterval is %d), got %d", DefaultSnapshotInterval, interval)
		}
		c.snapshots, c.interval, c.snapOptional = store, int64(interval), false
		return nil
	}
}

// WithSnapshotsWhenLossless is [WithSnapshots] for snapshots nobody asked for by name: an
// aggregate type whose state a JSON snapshot would lose (see [NewRepository]; here an interface
// field counts as lost too, as JSON brings it back as maps and float64 rather than the type it
// held) gets a repository without snapshots, and a warning in the repository's log naming the
// field, instead of an error. The module's [autoconfig.RepositoryOptions] carry the in-memory
// snapshot store this way. The interval is checked as WithSnapshots checks it, and an aggregate
// with only one of MarshalSnapshot and UnmarshalSnapshot is still refused.
//
// [autoconfig.RepositoryOptions]: https://pkg.go.dev/github.com/gofly/eventsourcing/autoconfig#RepositoryOptions
func WithSnapshotsWhenLossless(store SnapshotStore, interval int) RepositoryOption {
	strict := WithSnapshots(store, interval)
	return func(c *repoConfig) error {
		if err := strict(c); err != nil {
			return err
		}
		c.snapOptional = true
		return nil
	}
}

// WithAggregateType sets the aggregate type written to envelopes and checked on load, in place of
// the Go type name. Set it to keep old streams loadable after renaming the Go type.
func WithAggregateType(name string) RepositoryOption {
	return func(c *repoConfig) error {
		if err := check.TextArg("WithAggregateType", name, MaxTypeBytes, true); err != nil {
			return err
		}
		c.aggregateType = name
		return nil
	}
}

// WithTransactor sets the transaction runner Save uses. By default it is the store's own InTx,
// found through decorators that offer Unwrap() EventStore; give it here for a decorator that
// does neither.
func WithTransactor(t Transactor) RepositoryOption {
	return func(c *repoConfig) error {
		if check.IsNil(t) {
			return invalidArg("WithTransactor: must not be nil")
		}
		c.tx = t
		return nil
	}
}

// WithOutbox enqueues every saved event in the append's transaction.
func WithOutbox(o EventEnqueuer) RepositoryOption {
	return func(c *repoConfig) error {
		if check.IsNil(o) {
			return invalidArg("WithOutbox: must not be nil")
		}
		c.outbox = o
		return nil
	}
}

// WithLogger sets the logger for failures that do not fail a call (a snapshot that could not be
// saved after the events committed). Default: slog.Default().
func WithLogger(l *slog.Logger) RepositoryOption {
	return func(c *repoConfig) error {
		if l == nil {
			return invalidArg("WithLogger: must not be nil")
		}
		c.logger = l
		return nil
	}
}

// WithObserver makes the repository report each Save to o (an [OpSave] operation around the
// store's append, the outbox records and the snapshot of its transaction). Loads are the store's
// to report: give the store an observer too (memory.WithObserver, bunstore.WithObserver).
func WithObserver(o StoreObserver) RepositoryOption {
	return func(c *repoConfig) error {
		if check.IsNil(o) {
			return invalidArg("WithObserver: must not be nil")
		}
		c.observer = o
		return nil
	}
}
