package outbox

import (
	"log/slog"
	"time"

	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/errs"
)

// Defaults of the options.
const (
	// DefaultName is the outbox name when [WithName] is not given.
	DefaultName = "default"
	// DefaultMaxAttempts is the number of attempts before a record becomes a dead letter.
	DefaultMaxAttempts = 5
	// DefaultBackoffInitial is the wait after the first failed attempt.
	DefaultBackoffInitial = time.Second
	// DefaultBackoffMax caps the wait between attempts.
	DefaultBackoffMax = 30 * time.Second
	// DefaultPollInterval is how often an idle relay looks for due records.
	DefaultPollInterval = time.Second
	// DefaultPublishTimeout bounds one publish.
	DefaultPublishTimeout = 30 * time.Second
	// DefaultClaimTimeout is how long a claim lasts: records held by a relay that died are taken
	// over after it.
	DefaultClaimTimeout = 2 * time.Minute
	// DefaultBatchSize is how many records a relay claims at once.
	DefaultBatchSize = 100
	// DefaultRelays is the number of relay goroutines.
	DefaultRelays = 1
	// DefaultRetention is how long delivered records are kept before they are pruned.
	DefaultRetention = time.Hour
)

// Bounds of the options.
const (
	// MaxRelays is the most relay goroutines one outbox runs.
	MaxRelays = 1024
	// MaxDuration bounds every duration option.
	MaxDuration = 366 * 24 * time.Hour
)

// Option configures an [Outbox]. Options report bad values as errors matching
// es.ErrInvalidArgument, from [New].
type Option func(*config) error

type config struct {
	name           string
	maxAttempts    int
	backoffInitial time.Duration
	backoffMax     time.Duration
	pollInterval   time.Duration
	publishTimeout time.Duration
	claimTimeout   time.Duration
	batchSize      int
	relays         int
	retention      time.Duration
	owner          string
	logger         *slog.Logger
}

func defaultConfig() config {
	return config{
		name:           DefaultName,
		maxAttempts:    DefaultMaxAttempts,
		backoffInitial: DefaultBackoffInitial,
		backoffMax:     DefaultBackoffMax,
		pollInterval:   DefaultPollInterval,
		publishTimeout: DefaultPublishTimeout,
		claimTimeout:   DefaultClaimTimeout,
		batchSize:      DefaultBatchSize,
		relays:         DefaultRelays,
		retention:      DefaultRetention,
	}
}

// apply runs the options, fills what depends on others and checks the combination.
func (c *config) apply(opts []Option) error {
	for i, o := range opts {
		if o == nil {
			return errs.Invalid("outbox.New: option %d is nil", i)
		}
		if err := o(c); err != nil {
			return err
		}
	}
	if c.claimTimeout <= c.publishTimeout {
		return errs.Invalid("outbox: the claim timeout (%s) must be longer than the publish timeout (%s): "+
			"a relay starts a publish only when it can end before its claim does", c.claimTimeout, c.publishTimeout)
	}
	if c.owner == "" {
		c.owner = check.DefaultOwner(MaxNameBytes)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return nil
}

// WithName sets the outbox's name (default "default"): outboxes with different names share a
// store and deliver apart. At most [MaxNameBytes] bytes of valid UTF-8 without NUL.
func WithName(name string) Option {
	return func(c *config) error {
		if err := validName("outbox.WithName", name); err != nil {
			return err
		}
		c.name = name
		return nil
	}
}

// WithMaxAttempts sets how many attempts a record gets before it becomes a dead letter: 1 or
// more (default 5). A number above [MaxAttempts], the most attempts a store counts, means
// MaxAttempts, which no record reaches in practice: pass math.MaxInt to retry for ever.
func WithMaxAttempts(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return errs.Invalid("outbox.WithMaxAttempts: must be 1 or more, got %d", n)
		}
		c.maxAttempts = min(n, MaxAttempts)
		return nil
	}
}

// WithBackoff sets the wait after a failed attempt: initial after the first, doubling after each
// further one, never more than max (default 1 s up to 30 s). Both must be positive, initial at
// most max.
func WithBackoff(initial, max time.Duration) Option {
	return func(c *config) error {
		if err := positive("outbox.WithBackoff: initial", initial); err != nil {
			return err
		}
		if err := positive("outbox.WithBackoff: max", max); err != nil {
			return err
		}
		if initial > max {
			return errs.Invalid("outbox.WithBackoff: initial (%s) must not exceed max (%s)", initial, max)
		}
		c.backoffInitial, c.backoffMax = initial, max
		return nil
	}
}

// WithPollInterval sets how often an idle relay looks for due records (default 1 s). Relays
// also wake on commits when the store signals them.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if err := positive("outbox.WithPollInterval", d); err != nil {
			return err
		}
		c.pollInterval = d
		return nil
	}
}

// WithPublishTimeout bounds one publish (default 30 s): a publish that takes longer is a failed
// attempt. It must be shorter than the claim timeout.
func WithPublishTimeout(d time.Duration) Option {
	return func(c *config) error {
		if err := positive("outbox.WithPublishTimeout", d); err != nil {
			return err
		}
		c.publishTimeout = d
		return nil
	}
}

// WithClaimTimeout sets how long a relay holds the records it claimed (default 2 min): records
// of a relay that died are taken over by another after it. It must be longer than the publish
// timeout.
func WithClaimTimeout(d time.Duration) Option {
	return func(c *config) error {
		if err := positive("outbox.WithClaimTimeout", d); err != nil {
			return err
		}
		c.claimTimeout = d
		return nil
	}
}

// WithBatchSize sets how many records a relay claims at once: 1 to [MaxBatchSize] (default 100).
func WithBatchSize(n int) Option {
	return func(c *config) error {
		if n < 1 || n > MaxBatchSize {
			return errs.Invalid("outbox.WithBatchSize: must be from 1 to %d, got %d", MaxBatchSize, n)
		}
		c.batchSize = n
		return nil
	}
}

// WithRelays sets the number of relay goroutines: 1 to [MaxRelays] (default 1). Each claims its
// own batches; records of one aggregate still go out in order.
func WithRelays(n int) Option {
	return func(c *config) error {
		if n < 1 || n > MaxRelays {
			return errs.Invalid("outbox.WithRelays: must be from 1 to %d, got %d", MaxRelays, n)
		}
		c.relays = n
		return nil
	}
}

// WithRetention sets how long delivered records are kept before they are pruned (default 1 h);
// 0 prunes them at the next pruning round. Pruning runs at most once a minute (sooner when the
// retention is shorter, but no more often than the poll interval).
func WithRetention(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 || d > MaxDuration {
			return errs.Invalid("outbox.WithRetention: must be from 0 to %s, got %s", MaxDuration, d)
		}
		c.retention = d
		return nil
	}
}

// WithOwner sets the id this outbox claims records under (default: host name, process id and a
// random suffix). Give every process its own.
func WithOwner(id string) Option {
	return func(c *config) error {
		if err := validName("outbox.WithOwner", id); err != nil {
			return err
		}
		c.owner = id
		return nil
	}
}

// WithLogger sets the logger for failed attempts, dead letters and store errors (default
// slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errs.Invalid("outbox.WithLogger: must not be nil")
		}
		c.logger = l
		return nil
	}
}

func positive(what string, d time.Duration) error {
	if d <= 0 || d > MaxDuration {
		return errs.Invalid("%s: must be more than 0 and at most %s, got %s", what, MaxDuration, d)
	}
	return nil
}
