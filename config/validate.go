package config

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gofly/eventsourcing/internal/check"
)

// Validate checks c and normalises it: providers are trimmed and lower-cased, sqlalchemy becomes
// bun, a blank destination becomes pyfly.events (a destination must be valid UTF-8 without NUL
// bytes). An unknown provider is an *[Error] (matching
// [ErrInvalidConfig]) that names the key and the valid values. Validate does not look at Enabled.
func (c *Config) Validate() error {
	var err error
	if c.Store.Provider, err = normaliseProvider(c.Store.Provider, Root+".store.provider"); err != nil {
		return err
	}
	if c.Snapshot.Provider, err = normaliseProvider(c.Snapshot.Provider, Root+".snapshot.provider"); err != nil {
		return err
	}
	c.EDA.Destination = strings.TrimSpace(c.EDA.Destination)
	if c.EDA.Destination == "" {
		c.EDA.Destination = DefaultDestination
	}
	if p := check.Text(c.EDA.Destination, math.MaxInt, true); p != "" {
		return &Error{Key: Root + ".eda.destination", Reason: fmt.Sprintf("a Watermill topic %s, got %.40q", p, c.EDA.Destination)}
	}
	c.Store.URL = strings.TrimSpace(c.Store.URL)
	c.Snapshot.URL = strings.TrimSpace(c.Snapshot.URL)
	c.DataRelationalURL = strings.TrimSpace(c.DataRelationalURL)
	if err := c.validateProjection(); err != nil {
		return err
	}
	return c.validateOutbox()
}

// validateProjection normalises projection.*: an unset checkpoint provider stays empty and
// follows the event store's; numbers and durations may not be negative; start-from is earliest or latest.
func (c *Config) validateProjection() error {
	p := &c.Projection
	var err error
	if strings.TrimSpace(p.Checkpoint.Provider) == "" {
		p.Checkpoint.Provider = "" // follows the event store's
	} else if p.Checkpoint.Provider, err = normaliseProvider(p.Checkpoint.Provider, Root+".projection.checkpoint.provider"); err != nil {
		return err
	}
	p.Checkpoint.URL = strings.TrimSpace(p.Checkpoint.URL)
	p.StartFrom = strings.ToLower(strings.TrimSpace(p.StartFrom))
	switch p.StartFrom {
	case "", "earliest", "latest":
	default:
		return &Error{Key: Root + ".projection.start-from", Reason: fmt.Sprintf("%q is not a start; valid values: earliest, latest", p.StartFrom)}
	}
	if err := nonNegative(Root+".projection.", map[string]int64{"batch-size": int64(p.BatchSize), "commit-size": int64(p.CommitSize), "dead-letter-after": int64(p.DeadLetterAfter)}); err != nil {
		return err
	}
	return nonNegativeDurations(Root+".projection.", map[string]time.Duration{
		"poll-interval": p.PollInterval, "lease-ttl": p.LeaseTTL, "retry-initial": p.RetryInitial, "retry-max": p.RetryMax,
	})
}

// validateOutbox normalises outbox.*: an unset provider stays empty and follows the event
// store's; numbers and
// durations may not be negative.
func (c *Config) validateOutbox() error {
	o := &c.Outbox
	var err error
	if strings.TrimSpace(o.Provider) == "" {
		o.Provider = "" // follows the event store's
	} else if o.Provider, err = normaliseProvider(o.Provider, Root+".outbox.provider"); err != nil {
		return err
	}
	o.URL = strings.TrimSpace(o.URL)
	o.Name = strings.TrimSpace(o.Name)
	if err := nonNegative(Root+".outbox.", map[string]int64{"max-attempts": int64(o.MaxAttempts), "batch-size": int64(o.BatchSize), "relays": int64(o.Relays)}); err != nil {
		return err
	}
	return nonNegativeDurations(Root+".outbox.", map[string]time.Duration{
		"poll-interval": o.PollInterval, "publish-timeout": o.PublishTimeout, "backoff-initial": o.BackoffInitial,
		"backoff-max": o.BackoffMax, "claim-timeout": o.ClaimTimeout, "retention": o.Retention,
	})
}

// nonNegative refuses a negative number under prefix, naming the first key (in key order).
func nonNegative(prefix string, values map[string]int64) error {
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if v := values[k]; v < 0 {
			return &Error{Key: prefix + k, Reason: fmt.Sprintf("must be 0 (the default) or more, got %d", v)}
		}
	}
	return nil
}

// nonNegativeDurations refuses a negative duration under prefix, naming the first key.
func nonNegativeDurations(prefix string, values map[string]time.Duration) error {
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if v := values[k]; v < 0 {
			return &Error{Key: prefix + k, Reason: fmt.Sprintf("must be 0 (the default) or a positive duration such as 500ms or 2s, got %s", v)}
		}
	}
	return nil
}

// RequireEnabled returns [ErrDisabled] unless c.Enabled.
func (c Config) RequireEnabled() error {
	if !c.Enabled {
		return ErrDisabled
	}
	return nil
}

func normaliseProvider(raw, key string) (string, error) {
	p := strings.ToLower(strings.TrimSpace(raw))
	switch p {
	case "":
		return ProviderMemory, nil
	case ProviderMemory, ProviderBun:
		return p, nil
	case ProviderSQLAlchemy:
		return ProviderBun, nil
	}
	return "", &Error{Key: key, Reason: fmt.Sprintf("%q is not a known provider; valid values: %s, %s, %s (an alias of %s)",
		raw, ProviderMemory, ProviderBun, ProviderSQLAlchemy, ProviderBun)}
}
