package outbox

import (
	"log/slog"
	"math"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/errs"
)

// Defaults of the settings: [Config.SetDefaults] fills a zero field with its constant.
const (
	// DefaultName is the outbox name when none is given.
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

// Bounds of the settings.
const (
	// MaxRelays is the most relay goroutines one outbox runs.
	MaxRelays = 1024
	// MaxDuration bounds every duration setting.
	MaxDuration = 366 * 24 * time.Hour
)

// Option configures an [Outbox]: each sets fields of its [Config]. Options report bad values as
// errors matching es.ErrInvalidArgument (a *[ConfigError]), from [New].
type Option func(*Config) error

// option returns an Option that fails with problem, naming field and the option, when problem
// is not "", and otherwise runs set.
func option(name, field, problem string, set func(*Config)) Option {
	return func(c *Config) error {
		if err := errs.OptionError(configName, "outbox."+name, field, problem); err != nil {
			return err
		}
		set(c)
		return nil
	}
}

// WithConfig sets every setting to cfg's: a zero field means its default. Options after it
// change single settings. [New] validates the result ([Config.Validate]).
func WithConfig(cfg Config) Option {
	return func(c *Config) error {
		*c = cfg
		return nil
	}
}

// WithName sets the outbox's name (default [DefaultName]): outboxes with different names share a
// store and deliver apart. At most [MaxNameBytes] bytes of valid UTF-8 without NUL.
func WithName(name string) Option {
	return option("WithName", "Name", nameProblem(name), func(c *Config) { c.Name = name })
}

// WithMaxAttempts sets how many attempts a record gets before it becomes a dead letter: 1 or
// more (default [DefaultMaxAttempts]). A number above [MaxAttempts], the most attempts a store
// counts, means MaxAttempts, which no record reaches in practice: pass math.MaxInt to retry for
// ever.
func WithMaxAttempts(n int) Option {
	return option("WithMaxAttempts", "MaxAttempts", rangeProblem(n, 1, math.MaxInt), func(c *Config) { c.MaxAttempts = min(n, MaxAttempts) })
}

// WithDeadLetterPolicy sets what the relays do with a record whose attempts ran out (see
// [Config.DeadLetterPolicy] and es.DeadLetterPolicy; default es.DeadLetterPark).
func WithDeadLetterPolicy(p es.DeadLetterPolicy) Option {
	return option("WithDeadLetterPolicy", "DeadLetterPolicy", p.Problem(), func(c *Config) { c.DeadLetterPolicy = p })
}

// WithBackoff sets the wait after a failed attempt: initial after the first, doubling after each
// further one, never more than max (defaults [DefaultBackoffInitial] and [DefaultBackoffMax]).
// Both must be more than 0 and at most [MaxDuration], initial at most max.
func WithBackoff(initial, max time.Duration) Option {
	field, problem := "BackoffInitial", waitProblem(initial)
	switch {
	case problem != "":
		problem = "initial: " + problem
	case waitProblem(max) != "":
		field, problem = "BackoffMax", "max: "+waitProblem(max)
	default:
		problem = backoffProblem(initial, max)
	}
	return option("WithBackoff", field, problem, func(c *Config) { c.BackoffInitial, c.BackoffMax = initial, max })
}

// WithPollInterval sets how often an idle relay looks for due records (default
// [DefaultPollInterval]). Relays also wake on commits when the store signals them.
func WithPollInterval(d time.Duration) Option {
	return option("WithPollInterval", "PollInterval", waitProblem(d), func(c *Config) { c.PollInterval = d })
}

// WithPublishTimeout bounds one publish (default [DefaultPublishTimeout]): a publish that takes
// longer is a failed attempt. It must be shorter than the claim timeout. A publish that returned
// is retried after the back-off; one that has not returned keeps its record claimed until it
// does, or until the claim nearly ends (see [Config].PublishTimeout).
func WithPublishTimeout(d time.Duration) Option {
	return option("WithPublishTimeout", "PublishTimeout", waitProblem(d), func(c *Config) { c.PublishTimeout = d })
}

// WithClaimTimeout sets how long a relay holds the records it claimed (default
// [DefaultClaimTimeout]): records of a relay that died are taken over by another after it. It
// must be longer than the publish timeout.
func WithClaimTimeout(d time.Duration) Option {
	return option("WithClaimTimeout", "ClaimTimeout", waitProblem(d), func(c *Config) { c.ClaimTimeout = d })
}

// WithBatchSize sets how many records a relay claims at once: 1 to [MaxBatchSize] (default
// [DefaultBatchSize]).
func WithBatchSize(n int) Option {
	return option("WithBatchSize", "BatchSize", rangeProblem(n, 1, MaxBatchSize), func(c *Config) { c.BatchSize = n })
}

// WithRelays sets the number of relay goroutines: 1 to [MaxRelays] (default [DefaultRelays]).
// Each claims its own batches; records of one aggregate still go out in order.
func WithRelays(n int) Option {
	return option("WithRelays", "Relays", rangeProblem(n, 1, MaxRelays), func(c *Config) { c.Relays = n })
}

// WithRetention sets how long delivered records are kept before they are pruned, 0 to
// [MaxDuration] (default [DefaultRetention]); 0 keeps none: a store that is a
// [DeliveredDeleter] (the memory and Bun stores) deletes each record as it is delivered, another
// store's are pruned at the next pruning round. Pruning runs at most once a minute (sooner when
// the retention is shorter, but no more often than the poll interval).
func WithRetention(d time.Duration) Option {
	return option("WithRetention", "Retention", retentionProblem(d), func(c *Config) {
		c.Retention = d
		if d == 0 {
			c.Retention = -1 // keep none: in a Config, 0 is the default
		}
	})
}

// WithOwner sets the id this outbox claims records under (default: host name, process id and a
// random suffix). Give every process its own.
func WithOwner(id string) Option {
	return option("WithOwner", "Owner", nameProblem(id), func(c *Config) { c.Owner = id })
}

// WithLogger sets the logger for failed attempts, dead letters and store errors (default
// slog.Default()).
func WithLogger(l *slog.Logger) Option {
	problem := ""
	if l == nil {
		problem = "must not be nil"
	}
	return option("WithLogger", "Logger", problem, func(c *Config) { c.Logger = l })
}

// WithObserver makes the relays report each publish to o (see es.Observer): the publish runs
// under the context o's StartPublish returns, so a span it starts is the parent of the
// publisher's own.
func WithObserver(o es.PublishObserver) Option {
	problem := ""
	if check.IsNil(o) {
		problem = "must not be nil"
	}
	return option("WithObserver", "Observer", problem, func(c *Config) { c.Observer = o })
}
