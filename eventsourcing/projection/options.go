package projection

import (
	"log/slog"
	"strings"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/errs"
)

// Defaults of the runner's settings: [Config.SetDefaults] fills a zero field with its constant.
const (
	// DefaultBatchSize is how many events one read takes.
	DefaultBatchSize = 100
	// DefaultCommitSize is the most events one batch takes while the runner catches up.
	DefaultCommitSize = 5000
	// DefaultPollInterval is how long a caught-up runner waits before it reads again.
	DefaultPollInterval = time.Second
	// DefaultLeaseTTL is the lease's time to live.
	DefaultLeaseTTL = 30 * time.Second
	// DefaultRetryInitial is the wait before the first retry of a failed event.
	DefaultRetryInitial = time.Second
	// DefaultRetryMax caps the wait between retries.
	DefaultRetryMax = time.Minute
	// DefaultPartitions is the number of partitions of a projection: 1, not split.
	DefaultPartitions = 1
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

// Option configures a [Runner]: it sets fields of its [Config], or gives a store. Options are
// checked by [NewRunner], which names the first one at fault.
type Option func(*setup) error

// option returns an Option that fails with problem, naming field and the option, when problem
// is not "", and otherwise runs set.
func option(name, field, problem string, set func(*Config)) Option {
	return func(s *setup) error {
		if err := errs.OptionError(configName, "projection."+name, field, problem); err != nil {
			return err
		}
		set(&s.cfg)
		return nil
	}
}

// WithConfig sets every setting of the [Config] to cfg's: a zero field means its default. It
// leaves the stores alone; options after it change single settings. [NewRunner] validates the
// result ([Config.Validate]).
func WithConfig(cfg Config) Option {
	return func(s *setup) error {
		s.cfg = cfg
		return nil
	}
}

// WithBatchSize sets how many events one read takes (default [DefaultBatchSize], at least 1). A
// runner that keeps up applies each page in a transaction of its own; one that catches up joins
// full pages into larger ones (see [WithCommitSize]).
func WithBatchSize(n int) Option {
	return option("WithBatchSize", "BatchSize", sizeProblem(n), func(c *Config) { c.BatchSize = n })
}

// WithCommitSize sets the most events one batch takes while the runner catches up (default
// [DefaultCommitSize], at least 1). A runner that keeps up applies each page as it comes. One
// that catches up joins full pages, read back to back, into one batch (one transaction of the
// checkpoint store, one checkpoint move) when, at the last batch's pace, its commit costs more
// than a tenth of reading and handling a page (a disk flush on PostgreSQL; not memory's
// bookkeeping): as many pages as bring the commit under that tenth, up to n events, and no more
// than it reads and handles in about 50 ms (a third of the lease's time to live, when shorter).
// Larger batches share the commit's round trips and disk flush among more events; smaller ones
// hold the read model's locks, and on PostgreSQL every reader's horizon, for less time. The
// first batch after a start is a page alone, and a value up to the batch size applies each page
// alone. When a handler fails, its transaction rolls back and the events before the failed one
// are applied again, in a transaction of their own, before it is retried.
func WithCommitSize(n int) Option {
	return option("WithCommitSize", "CommitSize", sizeProblem(n), func(c *Config) { c.CommitSize = n })
}

// WithPollInterval sets how long the runner waits, once caught up, before it reads again
// (default [DefaultPollInterval], more than 0). A store that signals commits (es.CommitNotifier)
// wakes it sooner. A standby runner tries to acquire the lease at this interval (or a third of
// the lease's time to live, when that is shorter).
func WithPollInterval(d time.Duration) Option {
	return option("WithPollInterval", "PollInterval", waitProblem(d), func(c *Config) { c.PollInterval = d })
}

// WithCheckpoints sets the checkpoint store. Without it the runner keeps its checkpoint in a
// private in-memory store: every restart applies the stream again (from the start position), and
// the runner logs a warning when the event store is durable.
func WithCheckpoints(store CheckpointStore) Option {
	return func(s *setup) error {
		if check.IsNil(store) {
			return errs.Invalid("projection.WithCheckpoints: the checkpoint store is nil")
		}
		s.checkpoints = store
		return nil
	}
}

// WithStartFrom sets where a projection without a checkpoint starts (default [StartEarliest]).
// A stored checkpoint always wins.
func WithStartFrom(from StartFrom) Option {
	return option("WithStartFrom", "StartFrom", startProblem(from), func(c *Config) { c.StartFrom = from })
}

// WithLease makes the runner active only while it holds l's lease named "pyfly.projection." + name, so
// that one runner per projection applies events across processes; the others stand by and take
// over at once when the active one stops, and within the lease's time to live when it dies (on
// PostgreSQL, with the Bun lease, within a standby interval of its connection closing).
func WithLease(l Lease) Option {
	return func(s *setup) error {
		if check.IsNil(l) {
			return errs.Invalid("projection.WithLease: the lease is nil")
		}
		s.lease = l
		return nil
	}
}

// WithLeaseTTL sets the lease's time to live (default [DefaultLeaseTTL], from [MinLeaseTTL] to
// [MaxLeaseTTL]). The active runner extends it every third of it. Without [WithLease] it has no
// effect.
func WithLeaseTTL(ttl time.Duration) Option {
	return option("WithLeaseTTL", "LeaseTTL", ttlProblem(ttl), func(c *Config) { c.LeaseTTL = ttl })
}

// WithRetry sets the back-off after a failure: the first retry waits initial, each next one
// twice as long, up to max (defaults [DefaultRetryInitial] and [DefaultRetryMax]; 0 < initial ≤
// max).
func WithRetry(initial, max time.Duration) Option {
	return option("WithRetry", "RetryInitial", retryProblem(initial, max), func(c *Config) { c.RetryInitial, c.RetryMax = initial, max })
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	problem := ""
	if l == nil {
		problem = "the logger is nil"
	}
	return option("WithLogger", "Logger", problem, func(c *Config) { c.Logger = l })
}

// WithOwner sets the name this runner acquires the lease under (default: host name, process id
// and a random suffix, unique per runner). Two runners must never share one.
func WithOwner(owner string) Option {
	return option("WithOwner", "Owner", check.Text(owner, MaxNameBytes, true), func(c *Config) { c.Owner = owner })
}

// WithDeadLetters parks an event the projection failed on maxAttempts times (1 to MaxInt32) in
// store and moves past it, in one transaction when the checkpoint store runs them and store
// joins them: it sets [Config.DeadLetterAfter] and the dead-letter store. An event the store
// cannot hand out (an *es.DecodeError from ReadAll: a row that does not decode, an upcaster that
// fails on it) counts as failing on every read: it is parked as the store could read it (a
// payload that did not decode as {}) with the decode error. Without it the runner retries a
// failing event for ever: it never skips one.
func WithDeadLetters(store DeadLetterStore, maxAttempts int) Option {
	if check.IsNil(store) {
		return func(*setup) error { return errs.Invalid("projection.WithDeadLetters: the dead-letter store is nil") }
	}
	problem := attemptsProblem(maxAttempts)
	if problem != "" {
		problem = "maxAttempts: " + problem
	}
	set := option("WithDeadLetters", "DeadLetterAfter", problem, func(c *Config) { c.DeadLetterAfter = maxAttempts })
	return func(s *setup) error {
		s.deadLetters = store
		return set(s)
	}
}

// WithObserver makes the runner report each attempt at a batch to o (see es.Observer): the batch
// runs under the context o's StartBatch returns, so a span it starts is the parent of the batch's
// transaction and of the handler's own spans. The event store reports the runner's reads when it
// has an observer of its own.
func WithObserver(o es.BatchObserver) Option {
	return func(s *setup) error {
		if check.IsNil(o) {
			return errs.Invalid("projection.WithObserver: the observer is nil")
		}
		s.observer = o
		return nil
	}
}

// WithDeadLetterPolicy sets what the runner does with an event that failed as many times as
// [WithDeadLetters] allows (see [Config.DeadLetterPolicy] and es.DeadLetterPolicy): park it and
// go on, park it and hold back its aggregate's later events, park it and pause, or retry for
// ever. Every policy but es.DeadLetterRetry needs [WithDeadLetters].
func WithDeadLetterPolicy(p es.DeadLetterPolicy) Option {
	return option("WithDeadLetterPolicy", "DeadLetterPolicy", p.Problem(), func(c *Config) { c.DeadLetterPolicy = p })
}
