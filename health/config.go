package health

import (
	"cmp"
	"fmt"
	"time"

	"github.com/gofly/eventsourcing/internal/errs"
)

// Defaults of the thresholds: [Config.SetDefaults] fills a zero field with its constant.
const (
	// DefaultProjectionLag is how many events a projection may lag behind.
	DefaultProjectionLag = 10_000
	// DefaultProjectionStall is how long a projection may stand still while events wait.
	DefaultProjectionStall = time.Minute
	// DefaultOutboxPending is how many records an outbox may hold pending.
	DefaultOutboxPending = 10_000
	// DefaultOutboxAge is how long an outbox's oldest pending record may wait.
	DefaultOutboxAge = 5 * time.Minute
	// DefaultHorizonAge is how long a transaction may hold events behind the read horizon.
	DefaultHorizonAge = time.Minute
)

// MaxThresholdDuration is the longest duration a threshold accepts (a leap year).
const MaxThresholdDuration = 8784 * time.Hour

// configName names the Config in errors.
const configName = "health.Config"

// Config holds the thresholds of a [Report]. A zero field means its default. The YAML keys
// pyfly.eventsourcing.health.* (package config) set these fields.
type Config struct {
	// ProjectionLag: a projection more events behind the store's head than this is unhealthy
	// (default [DefaultProjectionLag]).
	ProjectionLag int64
	// ProjectionStall: a projection is unhealthy when the oldest event it has not applied has
	// waited longer than this, and failing when it holds its lease while its checkpoint has not
	// moved for this long and events wait (default [DefaultProjectionStall]). Events held beyond
	// the read horizon are the horizon's check, not the projection's.
	ProjectionStall time.Duration
	// OutboxPending: an outbox with more pending records than this is unhealthy (default
	// [DefaultOutboxPending]).
	OutboxPending int64
	// OutboxAge: an outbox whose oldest pending record has waited longer than this is unhealthy
	// (default [DefaultOutboxAge]).
	OutboxAge time.Duration
	// HorizonAge: on PostgreSQL, events held behind the read horizon by a transaction open for
	// longer than this are unhealthy (default [DefaultHorizonAge]).
	HorizonAge time.Duration
	// DeadLetters: a projection or an outbox with more dead letters than this is unhealthy; 0,
	// the default, reports dead letters without making the report unhealthy.
	DeadLetters int64
}

// DefaultConfig returns the defaults: the zero Config with [Config.SetDefaults] applied.
func DefaultConfig() Config {
	var c Config
	c.SetDefaults()
	return c
}

// SetDefaults fills the zero fields with their defaults.
func (c *Config) SetDefaults() {
	c.ProjectionLag = cmp.Or(c.ProjectionLag, DefaultProjectionLag)
	c.ProjectionStall = cmp.Or(c.ProjectionStall, DefaultProjectionStall)
	c.OutboxPending = cmp.Or(c.OutboxPending, DefaultOutboxPending)
	c.OutboxAge = cmp.Or(c.OutboxAge, DefaultOutboxAge)
	c.HorizonAge = cmp.Or(c.HorizonAge, DefaultHorizonAge)
}

// Validate checks every field that is set: counts of 0 or more, durations more than 0 and at
// most [MaxThresholdDuration]. The error is a *errs.ConfigError naming the field, matching
// es.ErrInvalidArgument.
func (c Config) Validate() error {
	return errs.CheckFields(configName,
		errs.Check("ProjectionLag", c.ProjectionLag != 0, countProblem(c.ProjectionLag)),
		errs.Check("ProjectionStall", c.ProjectionStall != 0, durationProblem(c.ProjectionStall)),
		errs.Check("OutboxPending", c.OutboxPending != 0, countProblem(c.OutboxPending)),
		errs.Check("OutboxAge", c.OutboxAge != 0, durationProblem(c.OutboxAge)),
		errs.Check("HorizonAge", c.HorizonAge != 0, durationProblem(c.HorizonAge)),
		errs.Check("DeadLetters", c.DeadLetters != 0, countProblem(c.DeadLetters)),
	)
}

func countProblem(n int64) string {
	if n < 0 {
		return fmt.Sprintf("must be 0 (the default) or more, got %d", n)
	}
	return ""
}

func durationProblem(d time.Duration) string {
	if d <= 0 || d > MaxThresholdDuration {
		return fmt.Sprintf("must be more than 0 and at most %v, got %v", MaxThresholdDuration, d)
	}
	return ""
}
