package outbox

import (
	"cmp"
	"fmt"
	"log/slog"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/backoff"
	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/errs"
)

// Config holds every setting of an [Outbox]. A zero field means its default: [Config.SetDefaults]
// fills them, from the Default* constants. Pass a whole Config to [New] with [WithConfig]; the
// other options set one field each. The YAML keys pyfly.eventsourcing.outbox.* (package config)
// set these fields.
type Config struct {
	// Name separates outboxes that share a store: they deliver apart (default [DefaultName]). At
	// most [MaxNameBytes] bytes of valid UTF-8 without NUL.
	Name string
	// MaxAttempts is how many attempts a record gets before it becomes a dead letter: 1 to the
	// package's [MaxAttempts], the most attempts a store counts (default [DefaultMaxAttempts]).
	MaxAttempts int
	// DeadLetterPolicy is what the relays do with a record whose attempts ran out:
	// es.DeadLetterPark (the default: it becomes a dead letter and its aggregate's later records
	// go on), es.DeadLetterParkAggregate (it becomes a dead letter that holds back its
	// aggregate's later records until it is retried and delivered, or skipped),
	// es.DeadLetterPause (it becomes a dead letter and the outbox publishes nothing until no dead
	// letter is left) or es.DeadLetterRetry (it never becomes one: it is retried for ever, at
	// BackoffMax, and its aggregate's later records wait).
	DeadLetterPolicy es.DeadLetterPolicy
	// BackoffInitial is the wait after the first failed attempt; it doubles after each further
	// one, up to BackoffMax. Both are more than 0 and at most [MaxDuration], the initial wait
	// at most the max (defaults [DefaultBackoffInitial] and [DefaultBackoffMax]). A BackoffMax
	// set alone below the default initial wait is the initial wait too.
	BackoffInitial time.Duration
	// BackoffMax caps the wait between attempts (see BackoffInitial).
	BackoffMax time.Duration
	// PollInterval is how often an idle relay looks for due records (default
	// [DefaultPollInterval]). Relays also wake on commits when the store signals them.
	PollInterval time.Duration
	// PublishTimeout bounds one publish (default [DefaultPublishTimeout]): a publish that takes
	// longer is a failed attempt, and its context ends. It must be shorter than ClaimTimeout.
	//
	// A publish function that returns when its context ends (with the context's error, or
	// later, with any result) has ended its attempt: the failure is recorded as it returns, and
	// the record is due again after the back-off (BackoffInitial doubling to BackoffMax). One
	// that has not returned may still reach the broker, so its record stays claimed meanwhile:
	// neither the record nor a later record of its aggregate is published while it runs. When it
	// returns before the claim nearly ends, the attempt ends then, with the back-off as above;
	// when it has not returned by the end of the claim, less the shorter of PublishTimeout and
	// half of what was left of the claim at the timeout (or when the outbox stops first), the
	// failure is recorded with the record due again no sooner than the end of the claim the
	// publish ran under. After that, an attempt may overlap a publish that never returned.
	PublishTimeout time.Duration
	// ClaimTimeout is how long a relay holds the records it claimed (default
	// [DefaultClaimTimeout]): records of a relay that died are taken over by another after it.
	// It must be longer than PublishTimeout: a relay starts a publish only when it can end
	// before its claim does.
	ClaimTimeout time.Duration
	// BatchSize is how many records a relay claims at once: 1 to [MaxBatchSize] (default
	// [DefaultBatchSize]).
	BatchSize int
	// Relays is the number of relay goroutines: 1 to [MaxRelays] (default [DefaultRelays]).
	// Each claims its own batches; records of one aggregate still go out in order.
	Relays int
	// Retention is how long delivered records are kept before they are pruned, at most
	// [MaxDuration] (default [DefaultRetention]); a negative value keeps none: a store that is
	// a [DeliveredDeleter] (the memory and Bun stores) deletes each record as it is delivered,
	// instead of marking it; with another store they are pruned at the next pruning round.
	// Pruning runs at most once a minute (sooner when the retention is shorter, but no more
	// often than the poll interval).
	Retention time.Duration
	// Owner is the id the outbox claims records under, at most [MaxNameBytes] bytes of valid
	// UTF-8 without NUL. Empty: [New] makes one of the host name, the process id and a random
	// suffix. Give every process its own.
	Owner string
	// Logger receives failed attempts, dead letters and store errors (nil: slog.Default()).
	Logger *slog.Logger
	// Observer is told about every publish (see es.Observer); nil for none.
	Observer es.PublishObserver
}

// ConfigError reports a bad setting: Config is "outbox.Config", Field names the [Config]
// field, Option the option that set it ("" when a whole Config did), Reason what is wrong and
// what is valid. It matches es.ErrInvalidArgument with errors.Is.
type ConfigError = errs.ConfigError

// configName names the Config in errors.
const configName = "outbox.Config"

// DefaultConfig returns the defaults: the zero Config with [Config.SetDefaults] applied. Owner
// and Logger stay empty: [New] picks them.
func DefaultConfig() Config {
	var c Config
	c.SetDefaults()
	return c
}

// SetDefaults fills the zero fields with their defaults, the Default* constants, but Owner and
// Logger, which [New] fills. A BackoffMax set alone below [DefaultBackoffInitial] becomes the
// initial wait too, so that the max holds. Call it on a Config [Config.Validate] accepts.
func (c *Config) SetDefaults() {
	c.Name = cmp.Or(c.Name, DefaultName)
	c.MaxAttempts = cmp.Or(c.MaxAttempts, DefaultMaxAttempts)
	c.DeadLetterPolicy = cmp.Or(c.DeadLetterPolicy, es.DeadLetterPark)
	c.BackoffInitial, c.BackoffMax = backoff.Defaults(c.BackoffInitial, c.BackoffMax, DefaultBackoffInitial, DefaultBackoffMax)
	c.PollInterval = cmp.Or(c.PollInterval, DefaultPollInterval)
	c.PublishTimeout = cmp.Or(c.PublishTimeout, DefaultPublishTimeout)
	c.ClaimTimeout = cmp.Or(c.ClaimTimeout, DefaultClaimTimeout)
	c.BatchSize = cmp.Or(c.BatchSize, DefaultBatchSize)
	c.Relays = cmp.Or(c.Relays, DefaultRelays)
	c.Retention = cmp.Or(c.Retention, DefaultRetention)
}

// Validate checks every field that is set, then the fields together with the defaults of those
// that are not: the back-off's initial wait at most its max, the claim timeout longer than the
// publish timeout. The error is a *[ConfigError] naming the field at fault; a check of two
// fields names the one that is set (the initial wait, the claim timeout when both are).
func (c Config) Validate() error {
	if err := errs.CheckFields(configName,
		errs.Check("Name", c.Name != "", nameProblem(c.Name)),
		errs.Check("MaxAttempts", c.MaxAttempts != 0, rangeProblem(c.MaxAttempts, 1, MaxAttempts)),
		errs.Check("DeadLetterPolicy", c.DeadLetterPolicy != "", c.DeadLetterPolicy.Problem()),
		errs.Check("BackoffInitial", c.BackoffInitial != 0, waitProblem(c.BackoffInitial)),
		errs.Check("BackoffMax", c.BackoffMax != 0, waitProblem(c.BackoffMax)),
		errs.Check("PollInterval", c.PollInterval != 0, waitProblem(c.PollInterval)),
		errs.Check("PublishTimeout", c.PublishTimeout != 0, waitProblem(c.PublishTimeout)),
		errs.Check("ClaimTimeout", c.ClaimTimeout != 0, waitProblem(c.ClaimTimeout)),
		errs.Check("BatchSize", c.BatchSize != 0, rangeProblem(c.BatchSize, 1, MaxBatchSize)),
		errs.Check("Relays", c.Relays != 0, rangeProblem(c.Relays, 1, MaxRelays)),
		errs.Check("Retention", c.Retention > 0, retentionProblem(c.Retention)),
		errs.Check("Owner", c.Owner != "", nameProblem(c.Owner)),
	); err != nil {
		return err
	}
	d := c
	d.SetDefaults()
	claim := "ClaimTimeout"
	if c.ClaimTimeout == 0 {
		claim = "PublishTimeout" // the default claim timeout is not the one at fault
	}
	return errs.CheckFields(configName,
		errs.Check("BackoffInitial", true, backoffProblem(d.BackoffInitial, d.BackoffMax)),
		errs.Check(claim, true, claimProblem(d.ClaimTimeout, d.PublishTimeout)),
	)
}

// config is what the relays read: a valid Config with every default filled in.
type config struct {
	name           string
	maxAttempts    int
	policy         es.DeadLetterPolicy
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
	observer       es.PublishObserver // nil: none
}

// resolve returns the settings of a valid c: its defaults, a fresh owner id and slog.Default()
// where c leaves them out.
func (c Config) resolve() config {
	c.SetDefaults()
	if c.Owner == "" {
		c.Owner = check.DefaultOwner(MaxNameBytes)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return config{
		name: c.Name, maxAttempts: c.MaxAttempts, policy: c.DeadLetterPolicy, backoffInitial: c.BackoffInitial, backoffMax: c.BackoffMax,
		pollInterval: c.PollInterval, publishTimeout: c.PublishTimeout, claimTimeout: c.ClaimTimeout,
		batchSize: c.BatchSize, relays: c.Relays, retention: max(c.Retention, 0), owner: c.Owner, logger: c.Logger,
		observer: c.Observer,
	}
}

// The problems below say what is wrong with a value, "" when nothing is.

func nameProblem(name string) string { return check.Text(name, MaxNameBytes, true) }

func rangeProblem(n, lo, hi int) string {
	if n < lo || n > hi {
		return fmt.Sprintf("must be from %d to %d, got %d", lo, hi, n)
	}
	return ""
}

func waitProblem(d time.Duration) string {
	if d <= 0 || d > MaxDuration {
		return fmt.Sprintf("must be more than 0 and at most %s, got %s", MaxDuration, d)
	}
	return ""
}

func retentionProblem(d time.Duration) string {
	if d < 0 || d > MaxDuration {
		return fmt.Sprintf("must be from 0 to %s, got %s", MaxDuration, d)
	}
	return ""
}

func backoffProblem(initial, maxWait time.Duration) string {
	if initial > maxWait {
		return fmt.Sprintf("initial (%s) must not exceed max (%s)", initial, maxWait)
	}
	return ""
}

func claimProblem(claim, publish time.Duration) string {
	if claim <= publish {
		return fmt.Sprintf("the claim timeout (%s) must be longer than the publish timeout (%s): "+
			"a relay starts a publish only when it can end before its claim does", claim, publish)
	}
	return ""
}
