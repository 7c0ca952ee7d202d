package projection

import (
	"cmp"
	"fmt"
	"log/slog"
	"math"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/backoff"
	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/errs"
)

// Config holds every setting of a [Runner] that a value expresses; the stores it works with (the
// checkpoint store, the lease, the dead-letter store) are given by options. A zero field means its
// default: [Config.SetDefaults] fills them, from the Default* constants. Pass a whole Config to
// [NewRunner] with [WithConfig]; the other options set one field each. The YAML keys
// pyfly.eventsourcing.projection.* (package config) set these fields.
type Config struct {
	// BatchSize is how many events one read takes, at least 1 (default [DefaultBatchSize]). A
	// runner that keeps up applies each page in a transaction of its own; one that catches up
	// joins full pages into larger ones (see CommitSize).
	BatchSize int
	// CommitSize is the most events one batch takes while the runner catches up, at least 1
	// (default [DefaultCommitSize]); see [WithCommitSize].
	CommitSize int
	// PollInterval is how long the runner waits, once caught up, before it reads again, more
	// than 0 (default [DefaultPollInterval]). A store that signals commits (es.CommitNotifier)
	// wakes it sooner. A standby runner tries to acquire the lease at this interval (or a third
	// of the lease's time to live, when that is shorter).
	PollInterval time.Duration
	// StartFrom is where a projection without a checkpoint starts: [StartEarliest] (the default)
	// or [StartLatest]. A stored checkpoint always wins.
	StartFrom StartFrom
	// LeaseTTL is the lease's time to live, from [MinLeaseTTL] to [MaxLeaseTTL] (default
	// [DefaultLeaseTTL]). The active runner extends it every third of it. Without a lease
	// ([WithLease]) it has no effect.
	LeaseTTL time.Duration
	// RetryInitial is the wait before the first retry of a failed event; each next one waits
	// twice as long, up to RetryMax. Both are more than 0, the initial wait at most the max
	// (defaults [DefaultRetryInitial] and [DefaultRetryMax]). A RetryMax set alone below the
	// default initial wait is the initial wait too.
	RetryInitial time.Duration
	// RetryMax caps the wait between retries (see RetryInitial).
	RetryMax time.Duration
	// DeadLetterAfter parks an event the projection failed on this many times (1 to MaxInt32)
	// in the dead-letter store and moves past it; it needs one ([WithDeadLetters]). 0, the
	// default, retries a failing event for ever: the runner never skips one.
	DeadLetterAfter int
	// DeadLetterPolicy is what the runner does with an event that failed DeadLetterAfter times:
	// es.DeadLetterPark (park it and go on), es.DeadLetterParkAggregate (park it and hold its
	// aggregate's later events behind it), es.DeadLetterPause (park it and apply nothing more
	// until no dead letter is left) or es.DeadLetterRetry (never park: retry for ever). Empty,
	// the default: park when DeadLetterAfter is set, else retry. Every policy but retry needs
	// DeadLetterAfter and a dead-letter store ([WithDeadLetters]).
	DeadLetterPolicy es.DeadLetterPolicy
	// Partitions splits the projection into this many partitions by aggregate id, from 1 to
	// [MaxPartitions] (default [DefaultPartitions], not split); see [WithPartitions].
	Partitions int
	// Owner is the name this runner acquires the lease under, at most [MaxNameBytes] bytes of
	// valid UTF-8 without NUL. Empty: [NewRunner] makes one of the host name, the process id and
	// a random suffix, unique per runner. Two runners must never share one.
	Owner string
	// Logger receives the runner's logs (nil: slog.Default()).
	Logger *slog.Logger
	// Versions sets the version of projections by name (1 to [MaxVersion]); a projection it
	// does not name runs version [DefaultVersion], unless [WithVersion] says otherwise. Raising
	// a projection's version starts the new version beside the running one (see [WithVersion]).
	Versions map[string]int
	// SwitchLag is how many readable events a new version may have left to apply when it takes
	// over from the active one, up to [MaxSwitchLag] (0: [DefaultSwitchLag]). The runner counts
	// them with a read of that many events and one more.
	SwitchLag int64
}

// ConfigError reports a bad setting: Config is "projection.Config", Field names the [Config]
// field, Option the option that set it ("" when a whole Config did), Reason what is wrong and
// what is valid. It matches es.ErrInvalidArgument with errors.Is.
type ConfigError = errs.ConfigError

// configName names the Config in errors.
const configName = "projection.Config"

// DefaultConfig returns the defaults: the zero Config with [Config.SetDefaults] applied. Owner
// and Logger stay empty: [NewRunner] picks them.
func DefaultConfig() Config {
	var c Config
	c.SetDefaults()
	return c
}

// SetDefaults fills the zero fields with their defaults, the Default* constants, but Owner and
// Logger, which [NewRunner] fills, and DeadLetterAfter, whose zero retries for ever. A RetryMax
// set alone below [DefaultRetryInitial] becomes the initial wait too, so that the max holds.
// Call it on a Config [Config.Validate] accepts.
func (c *Config) SetDefaults() {
	c.BatchSize = cmp.Or(c.BatchSize, DefaultBatchSize)
	c.CommitSize = cmp.Or(c.CommitSize, DefaultCommitSize)
	c.PollInterval = cmp.Or(c.PollInterval, DefaultPollInterval)
	c.StartFrom = cmp.Or(c.StartFrom, StartEarliest)
	c.LeaseTTL = cmp.Or(c.LeaseTTL, DefaultLeaseTTL)
	c.SwitchLag = cmp.Or(c.SwitchLag, DefaultSwitchLag)
	c.Partitions = cmp.Or(c.Partitions, DefaultPartitions)
	c.RetryInitial, c.RetryMax = backoff.Defaults(c.RetryInitial, c.RetryMax, DefaultRetryInitial, DefaultRetryMax)
}

// Validate checks every field that is set, then the retry's initial wait against its max (the
// default of the one that is not set), and that a dead-letter policy that parks has
// DeadLetterAfter. The error is a *[ConfigError] naming the field at fault;
// the check of the two names the initial wait, since an initial wait left unset follows the max.
func (c Config) Validate() error {
	if err := errs.CheckFields(configName,
		errs.Check("BatchSize", c.BatchSize != 0, sizeProblem(c.BatchSize)),
		errs.Check("CommitSize", c.CommitSize != 0, sizeProblem(c.CommitSize)),
		errs.Check("PollInterval", c.PollInterval != 0, waitProblem(c.PollInterval)),
		errs.Check("StartFrom", c.StartFrom != "", startProblem(c.StartFrom)),
		errs.Check("LeaseTTL", c.LeaseTTL != 0, ttlProblem(c.LeaseTTL)),
		errs.Check("RetryInitial", c.RetryInitial != 0, waitProblem(c.RetryInitial)),
		errs.Check("RetryMax", c.RetryMax != 0, waitProblem(c.RetryMax)),
		errs.Check("DeadLetterAfter", c.DeadLetterAfter != 0, attemptsProblem(c.DeadLetterAfter)),
		errs.Check("DeadLetterPolicy", c.DeadLetterPolicy != "", c.DeadLetterPolicy.Problem()),
		errs.Check("Partitions", c.Partitions != 0, partitionsProblem(c.Partitions)),
		errs.Check("Owner", c.Owner != "", check.Text(c.Owner, MaxNameBytes, true)),
		errs.Check("SwitchLag", c.SwitchLag != 0, switchLagProblem(c.SwitchLag)),
		errs.Check("Versions", len(c.Versions) > 0, versionsProblem(c.Versions)),
	); err != nil {
		return err
	}
	d := c
	d.SetDefaults()
	return errs.CheckFields(configName,
		errs.Check("RetryInitial", true, retryProblem(d.RetryInitial, d.RetryMax)),
		errs.Check("DeadLetterPolicy", true, policyProblem(c.DeadLetterPolicy, c.DeadLetterAfter)))
}

// setup is what the options set: the Config, and the stores the runner works with.
type setup struct {
	cfg         Config
	checkpoints CheckpointStore
	lease       Lease
	deadLetters DeadLetterStore
	observer    es.BatchObserver
	version     int // WithVersion's, 0 when not set
	balancer    *Balancer
}

// validate checks the Config and its dead-letter setting against the dead-letter store.
func (s *setup) validate() error {
	if err := s.cfg.Validate(); err != nil {
		return err
	}
	policy := s.cfg.DeadLetterPolicy
	switch {
	case s.cfg.DeadLetterAfter > 0 && s.deadLetters == nil:
		return &ConfigError{Config: configName, Field: "DeadLetterAfter",
			Reason: fmt.Sprintf("is %d but there is no dead-letter store to park events in: give one with WithDeadLetters", s.cfg.DeadLetterAfter)}
	case s.balancer != nil && s.lease == nil:
		return errs.Invalid("projection.WithBalancer: the runner has no lease to balance; give it one with WithLease")
	case s.cfg.DeadLetterAfter == 0 && s.deadLetters != nil && policy != es.DeadLetterRetry:
		return &ConfigError{Config: configName, Field: "DeadLetterAfter",
			Reason: fmt.Sprintf("is 0 but a dead-letter store is given (WithDeadLetters): set it from 1 to %d", math.MaxInt32)}
	}
	return nil
}

// config is what the runner reads: a valid Config with every default filled in, and the stores.
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
	policy       es.DeadLetterPolicy // never empty: retry without dead letters
	observer     es.BatchObserver    // nil: none
	versions     map[string]int      // Config.Versions
	version      int                 // WithVersion's, 0 when not set
	switchLag    int64
	balancer     *Balancer // nil: none
	partitions   int
}

// resolve returns the settings of a checked setup: the Config's defaults, a fresh owner,
// slog.Default() and a private in-memory checkpoint store where it leaves them out.
func (s *setup) resolve() config {
	c := s.cfg
	c.SetDefaults()
	if c.Owner == "" {
		c.Owner = check.DefaultOwner(MaxNameBytes)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	cfg := config{
		batchSize: c.BatchSize, commitSize: c.CommitSize, pollInterval: c.PollInterval, checkpoints: s.checkpoints,
		startFrom: c.StartFrom, lease: s.lease, leaseTTL: c.LeaseTTL, retryInitial: c.RetryInitial, retryMax: c.RetryMax,
		logger: c.Logger, owner: c.Owner, deadLetters: s.deadLetters, maxAttempts: c.DeadLetterAfter, observer: s.observer,
		versions: c.Versions, version: s.version, switchLag: c.SwitchLag,
		balancer: s.balancer, partitions: c.Partitions,
	}
	cfg.policy = c.DeadLetterPolicy
	switch {
	case cfg.policy == es.DeadLetterRetry:
		cfg.maxAttempts = 0 // the store serves the letters parked before, and operators' retries
	case cfg.policy == "" && cfg.maxAttempts > 0:
		cfg.policy = es.DeadLetterPark
	case cfg.policy == "":
		cfg.policy = es.DeadLetterRetry
	}
	if cfg.checkpoints == nil {
		cfg.checkpoints, cfg.ownStore = newPrivateCheckpoints(), true
	}
	return cfg
}

// The problems below say what is wrong with a value, "" when nothing is.

func sizeProblem(n int) string {
	if n < 1 {
		return fmt.Sprintf("at least 1, got %d", n)
	}
	return ""
}

func waitProblem(d time.Duration) string {
	if d <= 0 {
		return fmt.Sprintf("must be more than 0, got %v", d)
	}
	return ""
}

func startProblem(s StartFrom) string {
	if s != StartEarliest && s != StartLatest {
		return fmt.Sprintf("%q is not %q or %q", string(s), StartEarliest, StartLatest)
	}
	return ""
}

func ttlProblem(ttl time.Duration) string {
	if ttl < MinLeaseTTL || ttl > MaxLeaseTTL {
		return fmt.Sprintf("must be from %v to %v, got %v", MinLeaseTTL, MaxLeaseTTL, ttl)
	}
	return ""
}

func retryProblem(initial, maxWait time.Duration) string {
	if initial <= 0 || maxWait < initial {
		return fmt.Sprintf("needs 0 < initial ≤ max, got initial %v, max %v", initial, maxWait)
	}
	return ""
}

func policyProblem(p es.DeadLetterPolicy, deadLetterAfter int) string {
	if p != "" && p != es.DeadLetterRetry && deadLetterAfter == 0 {
		return fmt.Sprintf("is %q, which parks events, but no event is ever parked: set dead-letter-after (DeadLetterAfter, given with the dead-letter store by WithDeadLetters), or use %q",
			p, es.DeadLetterRetry)
	}
	return ""
}

func attemptsProblem(n int) string {
	if n < 1 || n > math.MaxInt32 {
		return fmt.Sprintf("must be from 1 to %d, got %d", math.MaxInt32, n)
	}
	return ""
}
