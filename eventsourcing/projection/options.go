package projection

import (
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/errs"
)

// Defaults of the runner's settings.
const (
	DefaultBatchSize    = 100
	DefaultCommitSize   = 5000
	DefaultPollInterval = time.Second
	DefaultLeaseTTL     = 30 * time.Second
	DefaultRetryInitial = time.Second
	DefaultRetryMax     = time.Minute
)

// StartFrom says where a projection without a checkpoint starts.
type StartFrom string

const (
	// StartEarliest applies the whole stream, from its first event.
	StartEarliest StartFrom = "earliest"
	// StartLatest skips the events stored when the runner starts and applies only later ones.
	StartLatest StartFrom = "latest"
)

// ParseStartFrom reads "earliest" or "latest" (any letter case, surrounding spaces ignored).
func ParseStartFrom(s string) (StartFrom, error) {
	switch v := StartFrom(strings.ToLower(strings.TrimSpace(s))); v {
	case StartEarliest, StartLatest:
		return v, nil
	}
	return "", errs.Invalid("start-from: %q is not %q or %q", s, StartEarliest, StartLatest)
}

// Option configures a [Runner]. Options are checked by [NewRunner], which names the first one at
// fault.
type Option func(*config) error

type config struct {
	batchSize    int
	commitSize   int
	pollInterval time.Duration
	checkpoints  CheckpointStore
	ownStore     bool // checkpoints is the runner's private in-memory store
	startFrom    StartFrom
	lease        Lease
	leaseTTL     time.Duration
	retryInitial time.Duration
	retryMax     time.Duration
	logger       *slog.Logger
	owner        string
	deadLetters  DeadLetterStore
	maxAttempts  int
}

func defaults() config {
	return config{
		batchSize:    DefaultBatchSize,
		commitSize:   DefaultCommitSize,
		pollInterval: DefaultPollInterval,
		startFrom:    StartEarliest,
		leaseTTL:     DefaultLeaseTTL,
		retryInitial: DefaultRetryInitial,
		retryMax:     DefaultRetryMax,
	}
}

// WithBatchSize sets how many events one read takes (default 100, at least 1). A runner that
// keeps up applies each page in a transaction of its own; one that catches up joins full pages
// into larger ones (see [WithCommitSize]).
func WithBatchSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return errs.Invalid("projection.WithBatchSize: at least 1, got %d", n)
		}
		c.batchSize = n
		return nil
	}
}

// WithCommitSize sets the most events one batch takes while the runner catches up (default
// 5,000, at least 1). A runner that keeps up applies each page as it comes. One that catches up
// joins full pages, read back to back, into one batch (one transaction of the checkpoint store,
// one checkpoint move) when, at the last batch's pace, its commit costs more than a tenth of
// reading and handling a page (a disk flush on PostgreSQL; not memory's bookkeeping): as many
// pages as bring the commit under that tenth, up to n events, and no more than it reads and
// handles in about 50 ms (a third of the lease's time to live, when shorter). Larger batches
// share the commit's round trips and disk flush among more events; smaller ones hold the read
// model's locks, and on PostgreSQL every reader's horizon, for less time. The first batch after
// a start is a page alone, and a value up to the batch size applies each page alone. When a
// handler fails, its transaction rolls back and the events before the failed one are applied
// again, in a transaction of their own, before it is retried.
func WithCommitSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return errs.Invalid("projection.WithCommitSize: at least 1, got %d", n)
		}
		c.commitSize = n
		return nil
	}
}

// WithPollInterval sets how long the runner waits, once caught up, before it reads again
// (default 1 s, more than 0). A store that signals commits (es.CommitNotifier) wakes it sooner.
// A standby runner tries to acquire the lease at this interval (or a third of the lease's time
// to live, when that is shorter).
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errs.Invalid("projection.WithPollInterval: must be more than 0, got %v", d)
		}
		c.pollInterval = d
		return nil
	}
}

// WithCheckpoints sets the checkpoint store. Without it the runner keeps its checkpoint in a
// private in-memory store: every restart applies the stream again (from the start position), and
// the runner logs a warning when the event store is durable.
func WithCheckpoints(s CheckpointStore) Option {
	return func(c *config) error {
		if check.IsNil(s) {
			return errs.Invalid("projection.WithCheckpoints: the checkpoint store is nil")
		}
		c.checkpoints = s
		return nil
	}
}

// WithStartFrom sets where a projection without a checkpoint starts (default [StartEarliest]).
// A stored checkpoint always wins.
func WithStartFrom(s StartFrom) Option {
	return func(c *config) error {
		if s != StartEarliest && s != StartLatest {
			return errs.Invalid("projection.WithStartFrom: %q is not %q or %q", string(s), StartEarliest, StartLatest)
		}
		c.startFrom = s
		return nil
	}
}

// WithLease makes the runner active only while it holds l's lease named "pyfly.projection." + name, so
// that one runner per projection applies events across processes; the others stand by and take
// over within the lease's time to live when the active one stops or dies.
func WithLease(l Lease) Option {
	return func(c *config) error {
		if check.IsNil(l) {
			return errs.Invalid("projection.WithLease: the lease is nil")
		}
		c.lease = l
		return nil
	}
}

// WithLeaseTTL sets the lease's time to live (default 30 s, from [MinLeaseTTL] to [MaxLeaseTTL]).
// The active runner extends it every third of it. Without [WithLease] it has no effect.
func WithLeaseTTL(ttl time.Duration) Option {
	return func(c *config) error {
		if err := validTTL(ttl); err != nil {
			return fmt.Errorf("projection.WithLeaseTTL: %w", err)
		}
		c.leaseTTL = ttl
		return nil
	}
}

// WithRetry sets the back-off after a failure: the first retry waits initial, each next one
// twice as long, up to max (defaults 1 s and 1 min; 0 < initial ≤ max).
func WithRetry(initial, max time.Duration) Option {
	return func(c *config) error {
		if initial <= 0 || max < initial {
			return errs.Invalid("projection.WithRetry: needs 0 < initial ≤ max, got initial %v, max %v", initial, max)
		}
		c.retryInitial, c.retryMax = initial, max
		return nil
	}
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errs.Invalid("projection.WithLogger: the logger is nil")
		}
		c.logger = l
		return nil
	}
}

// WithOwner sets the name this runner acquires the lease under (default: host name, process id
// and a random suffix, unique per runner). Two runners must never share one.
func WithOwner(owner string) Option {
	return func(c *config) error {
		if err := validName("projection.WithOwner", owner); err != nil {
			return err
		}
		c.owner = owner
		return nil
	}
}

// WithDeadLetters parks an event the projection failed on maxAttempts times (1 to MaxInt32) in
// store and moves past it, in one transaction when the checkpoint store runs them and store
// joins them. An event the store cannot hand out (an *es.DecodeError from ReadAll: a row that
// does not decode, an upcaster that fails on it) counts as failing on every read: it is parked
// as the store could read it (a payload that did not decode as {}) with the decode error. Without
// it the runner retries a failing event for ever: it never skips one.
func WithDeadLetters(store DeadLetterStore, maxAttempts int) Option {
	return func(c *config) error {
		if check.IsNil(store) {
			return errs.Invalid("projection.WithDeadLetters: the dead-letter store is nil")
		}
		if maxAttempts < 1 || maxAttempts > math.MaxInt32 {
			return errs.Invalid("projection.WithDeadLetters: maxAttempts is from 1 to %d, got %d", math.MaxInt32, maxAttempts)
		}
		c.deadLetters, c.maxAttempts = store, maxAttempts
		return nil
	}
}
