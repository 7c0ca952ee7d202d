package config

import (
	"fmt"
	"math"
	"strings"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/internal/check"
)

// Validate checks c and normalises it: providers are trimmed and lower-cased, sqlalchemy becomes
// bun, a blank destination becomes pyfly.events (a destination must be valid UTF-8 without NUL
// bytes), a snapshot interval below 1 is refused, start-from is lower-cased, and the projection
// runners' and the outbox's settings get their defaults where they are 0. An error is an
// *[Error] (matching [ErrInvalidConfig]) that names the key at fault and what is valid: an
// unknown provider, a negative number or duration, pyfly's keys (ddl-auto, a datasource set with
// a URL or naming none, position-strategy, payload-format) out of their values, or a setting
// projection.Config.Validate or, when outbox.enabled is true, outbox.Config.Validate refuses (the error then also matches
// es.ErrInvalidArgument and unwraps to their *ConfigError). Validate does not look at Enabled.
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
		return &Error{Key: Root + ".eda.destination", Reason: fmt.Sprintf("a Watermill topic %s, got %s", p, describeValue(c.EDA.Destination))}
	}
	c.Store.URL = strings.TrimSpace(c.Store.URL)
	c.Snapshot.URL = strings.TrimSpace(c.Snapshot.URL)
	if c.Snapshot.Interval < 1 {
		return &Error{Key: Root + ".snapshot.interval", Reason: fmt.Sprintf(
			"must be 1 or more: a repository takes a snapshot each time a save crosses a multiple of it (default %d), got %d",
			es.DefaultSnapshotInterval, c.Snapshot.Interval)}
	}
	c.DataRelationalURL = strings.TrimSpace(c.DataRelationalURL)
	if c.Projection.Checkpoint.Provider, err = followingProvider(c.Projection.Checkpoint.Provider, Root+".projection.checkpoint.provider"); err != nil {
		return err
	}
	c.Projection.Checkpoint.URL = strings.TrimSpace(c.Projection.Checkpoint.URL)
	c.Projection.StartFrom = projection.StartFrom(strings.ToLower(strings.TrimSpace(string(c.Projection.StartFrom))))
	c.Projection.DeadLetterPolicy = es.DeadLetterPolicy(strings.ToLower(strings.TrimSpace(string(c.Projection.DeadLetterPolicy))))
	if c.Outbox.Provider, err = followingProvider(c.Outbox.Provider, Root+".outbox.provider"); err != nil {
		return err
	}
	c.Outbox.URL = strings.TrimSpace(c.Outbox.URL)
	c.Outbox.Name = strings.TrimSpace(c.Outbox.Name)
	c.Outbox.DeadLetterPolicy = es.DeadLetterPolicy(strings.ToLower(strings.TrimSpace(string(c.Outbox.DeadLetterPolicy))))
	if err := c.validateOutboxStream(); err != nil {
		return err
	}
	if err := c.validatePyflyKeys(); err != nil {
		return err
	}
	return c.checkSettings()
}

// followingProvider normalises the provider of a store that follows the event store's when
// unset: unset stays empty.
func followingProvider(raw, key string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", nil
	}
	return normaliseProvider(raw, key)
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
	return "", &Error{Key: key, Reason: fmt.Sprintf("%s is not a known provider; valid values: %s, %s, %s (an alias of %s)",
		describeValue(raw), ProviderMemory, ProviderBun, ProviderSQLAlchemy, ProviderBun)}
}

// validateOutboxStream normalises and checks outbox.mode, outbox.start-from and
// outbox.checkpoint-interval, filling their defaults.
func (c *Config) validateOutboxStream() error {
	o := &c.Outbox
	o.Mode = strings.ToLower(strings.TrimSpace(o.Mode))
	switch o.Mode {
	case "":
		o.Mode = OutboxModeRecords
	case OutboxModeRecords, OutboxModeStream:
	default:
		return &Error{Key: Root + ".outbox.mode", Reason: fmt.Sprintf("must be %q (saves enqueue records that relays publish) or %q "+
			"(the event store's stream is published from a stored position), got %s", OutboxModeRecords, OutboxModeStream, describeValue(o.Mode))}
	}
	o.StartFrom = projection.StartFrom(strings.ToLower(strings.TrimSpace(string(o.StartFrom))))
	switch o.StartFrom {
	case "":
		o.StartFrom = projection.StartEarliest
	case projection.StartEarliest, projection.StartLatest:
	default:
		return &Error{Key: Root + ".outbox.start-from", Reason: fmt.Sprintf("must be %q or %q, got %s",
			projection.StartEarliest, projection.StartLatest, describeValue(string(o.StartFrom)))}
	}
	switch {
	case o.CheckpointInterval == 0:
		o.CheckpointInterval = outbox.DefaultCheckpointInterval
	case o.CheckpointInterval < 0 || o.CheckpointInterval > outbox.MaxDuration:
		return &Error{Key: Root + ".outbox.checkpoint-interval", Reason: fmt.Sprintf(
			"must be 0 (the default, %s) or a positive duration up to %s, such as 100ms or 1s, got %s",
			outbox.DefaultCheckpointInterval, outbox.MaxDuration, o.CheckpointInterval)}
	}
	return nil
}
