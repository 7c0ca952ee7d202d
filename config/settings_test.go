package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/health"
)

func loadYAML(yaml string) (config.Config, error) {
	return config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  eventsourcing:\n"+yaml)))
}

// Every key of the runners' and the outbox's settings, given a value its component refuses, is
// named by the error, which matches both ErrInvalidConfig and es.ErrInvalidArgument and unwraps
// to the component's *ConfigError about the field the key sets.
func TestSettingErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		key, value, field, reason string
	}{
		{"projection.batch-size", "-1", "", "must be 0 (the default) or more, got -1"},
		{"projection.commit-size", "-1", "", "must be 0 (the default) or more, got -1"},
		{"projection.poll-interval", "-1s", "", "must be 0 (the default) or a positive duration such as 500ms or 2s, got -1s"},
		{"projection.start-from", "middle", "StartFrom", `"middle" is not "earliest" or "latest"`},
		{"projection.lease-ttl", "1ms", "LeaseTTL", "must be from 10ms to 24h0m0s, got 1ms"},
		{"projection.retry-initial", "2m", "RetryInitial", "needs 0 < initial ≤ max, got initial 2m0s, max 1m0s"},
		{"projection.retry-max", "-1s", "", "must be 0 (the default) or a positive duration such as 500ms or 2s, got -1s"},
		{"projection.dead-letter-after", "3000000000", "DeadLetterAfter", "must be from 1 to 2147483647, got 3000000000"},
		{"projection.dead-letter-policy", "skip", "DeadLetterPolicy", `"skip" is not one of "retry", "park", "park-aggregate" or "pause"`},
		{"projection.dead-letter-policy", "pause", "DeadLetterPolicy", `is "pause", which parks events, but no event is ever parked: set dead-letter-after (DeadLetterAfter, given with the dead-letter store by WithDeadLetters), or use "retry"`},
		{"outbox.dead-letter-policy", "hold", "DeadLetterPolicy", `"hold" is not one of "retry", "park", "park-aggregate" or "pause"`},
		{"projection.versions", "{orders_view: 0}", "Versions", `projection "orders_view": must be from 1 to 99999, got 0`},
		{"projection.switch-lag", "200000", "SwitchLag", "must be from 0 to 100000, got 200000"},
		{"projection.partitions", "257", "Partitions", "must be from 1 to 256, got 257"},
		{"outbox.name", `"a\0b"`, "Name", "must not contain NUL bytes"},
		{"outbox.max-attempts", "3000000000", "MaxAttempts", "must be from 1 to 2147483647, got 3000000000"},
		{"outbox.poll-interval", "10000h", "PollInterval", "must be more than 0 and at most 8784h0m0s, got 10000h0m0s"},
		{"outbox.publish-timeout", "3m", "PublishTimeout",
			"the claim timeout (2m0s) must be longer than the publish timeout (3m0s): a relay starts a publish only when it can end before its claim does"},
		{"outbox.backoff-initial", "2m", "BackoffInitial", "initial (2m0s) must not exceed max (30s)"},
		{"outbox.backoff-max", "10000h", "BackoffMax", "must be more than 0 and at most 8784h0m0s, got 10000h0m0s"},
		{"outbox.claim-timeout", "10s", "ClaimTimeout",
			"the claim timeout (10s) must be longer than the publish timeout (30s): a relay starts a publish only when it can end before its claim does"},
		{"outbox.retention", "-1h", "", "must be 0 (the default) or a positive duration such as 500ms or 2s, got -1h0m0s"},
		{"outbox.batch-size", "10001", "BatchSize", "must be from 1 to 10000, got 10001"},
		{"outbox.relays", "1025", "Relays", "must be from 1 to 1024, got 1025"},
		{"outbox.mode", "tail", "", `must be "records" (saves enqueue records that relays publish) or "stream" ` +
			`(the event store's stream is published from a stored position), got "tail"`},
		{"outbox.start-from", "now", "", `must be "earliest" or "latest", got "now"`},
		{"outbox.checkpoint-interval", "-1s", "",
			"must be 0 (the default, 100ms) or a positive duration up to 8784h0m0s, such as 100ms or 1s, got -1s"},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		section, key, _ := strings.Cut(tc.key, ".")
		yaml := "    " + section + ": {" + key + ": " + tc.value + "}\n"
		if section == "outbox" {
			yaml = "    outbox: {enabled: true, " + key + ": " + tc.value + "}\n"
		}
		_, err := loadYAML(yaml)
		full := config.Root + "." + tc.key
		require.ErrorIs(t, err, config.ErrInvalidConfig, tc.key)
		require.EqualError(t, err, "eventsourcing: "+full+": "+tc.reason, tc.key)
		var ce *config.Error
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, full, ce.Key)
		var fe *outbox.ConfigError // the type of projection.ConfigError too
		if tc.field == "" {
			assert.False(t, errors.As(err, &fe), "a negative value is refused before the component is asked: %s", tc.key)
		} else {
			require.ErrorIs(t, err, es.ErrInvalidArgument, tc.key)
			require.ErrorAs(t, err, &fe, tc.key)
			assert.Equal(t, tc.field, fe.Field, tc.key)
		}
		covered[full] = true
	}
	for _, k := range config.Keys() {
		rest, ok := strings.CutPrefix(k, config.Root+".")
		if !ok || !(strings.HasPrefix(rest, "projection.") || strings.HasPrefix(rest, "outbox.")) ||
			strings.HasPrefix(rest, "projection.checkpoint.") || strings.HasSuffix(rest, ".enabled") ||
			strings.HasSuffix(rest, ".provider") || strings.HasSuffix(rest, ".url") || rest == "projection.balance" {
			continue
		}
		assert.True(t, covered[k], "no case for %s", k)
	}
}

// A check of two settings names the key the user set.
func TestSettingPairsNameTheKeySet(t *testing.T) {
	for yaml, key := range map[string]string{
		"outbox: {enabled: true, claim-timeout: 10s}":                      "outbox.claim-timeout",
		"outbox: {enabled: true, publish-timeout: 3m}":                     "outbox.publish-timeout",
		"outbox: {enabled: true, publish-timeout: 1m, claim-timeout: 1m}":  "outbox.claim-timeout",
		"outbox: {enabled: true, backoff-initial: 2s, backoff-max: 1s}":    "outbox.backoff-initial",
		"projection: {retry-initial: 2s, retry-max: 1s}":                   "projection.retry-initial",
		"projection: {retry-initial: 2h}":                                  "projection.retry-initial",
		"outbox: {enabled: true, backoff_initial: 2s, backoff-max: 1s}":    "outbox.backoff-initial",
		"outbox: {enabled: true, publish_timeout: 1m, claim_timeout: 50s}": "outbox.claim-timeout",
	} {
		_, err := loadYAML("    " + yaml + "\n")
		require.ErrorIs(t, err, config.ErrInvalidConfig, yaml)
		var ce *config.Error
		require.ErrorAs(t, err, &ce, yaml)
		assert.Equal(t, config.Root+"."+key, ce.Key, yaml)
	}
}

// A max wait set alone holds: below the default first wait, it is the first wait too.
func TestMaxWaitAloneHolds(t *testing.T) {
	cfg, err := loadYAML("    projection: {retry-max: 10ms}\n    outbox: {enabled: true, backoff-max: 10ms}\n")
	require.NoError(t, err)
	assert.Equal(t, 10*time.Millisecond, cfg.Projection.RetryInitial)
	assert.Equal(t, 10*time.Millisecond, cfg.Projection.RetryMax)
	assert.Equal(t, 10*time.Millisecond, cfg.Outbox.BackoffInitial)
	assert.Equal(t, 10*time.Millisecond, cfg.Outbox.BackoffMax)

	cfg, err = loadYAML("    projection: {retry-max: 1h}\n    outbox: {enabled: true, backoff-max: 1m}\n")
	require.NoError(t, err)
	assert.Equal(t, projection.DefaultRetryInitial, cfg.Projection.RetryInitial)
	assert.Equal(t, time.Hour, cfg.Projection.RetryMax)
	assert.Equal(t, outbox.DefaultBackoffInitial, cfg.Outbox.BackoffInitial)
	assert.Equal(t, time.Minute, cfg.Outbox.BackoffMax)

	// Validate again (autoconfig.NewSettings does) accepts what Load gave.
	require.NoError(t, cfg.Validate())
}

// The configuration's defaults are the runtime packages' defaults.
func TestDefaultsAreTheRuntimeDefaults(t *testing.T) {
	d := config.Default()
	assert.Equal(t, projection.DefaultConfig(), d.Projection.Config)
	assert.Equal(t, outbox.DefaultConfig(), d.Outbox.Config)
	cfg, err := loadYAML("    enabled: true\n    outbox: {enabled: true}\n")
	require.NoError(t, err)
	assert.Equal(t, projection.DefaultConfig(), cfg.Projection.Config)
	assert.Equal(t, outbox.DefaultConfig(), cfg.Outbox.Config)

	// 0 in YAML is the default, as in the runtime Configs.
	cfg, err = loadYAML("    projection: {batch-size: 0, lease-ttl: 0s}\n    outbox: {enabled: true, retention: 0, relays: 0}\n")
	require.NoError(t, err)
	assert.Equal(t, projection.DefaultBatchSize, cfg.Projection.BatchSize)
	assert.Equal(t, projection.DefaultLeaseTTL, cfg.Projection.LeaseTTL)
	assert.Equal(t, outbox.DefaultRetention, cfg.Outbox.Retention)
	assert.Equal(t, outbox.DefaultRelays, cfg.Outbox.Relays)
}

// The outbox's settings are checked once it is enabled; the runners' always are.
func TestDisabledOutboxSettings(t *testing.T) {
	_, err := loadYAML("    outbox: {max-attempts: 3000000000}\n")
	require.NoError(t, err)
	_, err = loadYAML("    outbox: {enabled: true, max-attempts: 3000000000}\n")
	require.EqualError(t, err, "eventsourcing: pyfly.eventsourcing.outbox.max-attempts: must be from 1 to 2147483647, got 3000000000")
	_, err = loadYAML("    outbox: {max-attempts: -1}\n")
	require.EqualError(t, err, "eventsourcing: pyfly.eventsourcing.outbox.max-attempts: must be 0 (the default) or more, got -1",
		"a negative number is refused whatever")
}

// A value of the wrong type for a setting is named like any other key's.
func TestSettingTypes(t *testing.T) {
	for yaml, want := range map[string]string{
		"outbox: {name: [a, b]}":              "eventsourcing: pyfly.eventsourcing.outbox.name: expects a string, got a list of 2",
		"projection: {start-from: {a: b}}":    "eventsourcing: pyfly.eventsourcing.projection.start-from: expects a string, got a map",
		"outbox: {relays: {a: 1}}":            "eventsourcing: pyfly.eventsourcing.outbox.relays: ",
		"outbox: {publish-timeout: 30}":       `eventsourcing: pyfly.eventsourcing.outbox.publish-timeout: expects a duration with a unit, such as "30s", "500ms" or "2m", got 30 without a unit`,
		"outbox: 5":                           "eventsourcing: pyfly.eventsourcing.outbox: expects a map with the keys enabled, provider, url, name, max-attempts, dead-letter-policy, poll-interval, publish-timeout, backoff-initial, backoff-max, claim-timeout, retention, batch-size, relays, mode, start-from, checkpoint-interval, got 5",
		"projection: [a]":                     "eventsourcing: pyfly.eventsourcing.projection: expects a map with the keys checkpoint, balance, batch-size, commit-size, poll-interval, start-from, lease-ttl, retry-initial, retry-max, dead-letter-after, dead-letter-policy, versions, switch-lag, partitions, got a list of 1",
		"outbox: {Name: x}":                   "eventsourcing: pyfly.eventsourcing.outbox.Name: unknown key; did you mean `pyfly.eventsourcing.outbox.name`?",
		"outbox: {owner: me}":                 "eventsourcing: pyfly.eventsourcing.outbox.owner: unknown key; valid keys under pyfly.eventsourcing.outbox: enabled, provider, ",
		"projection: {MaxAttempts: 3}":        "eventsourcing: pyfly.eventsourcing.projection.MaxAttempts: unknown key; did you mean `pyfly.eventsourcing.outbox.max-attempts`?",
		"projection: {name: 3, logger: \"\"}": "eventsourcing: unknown keys pyfly.eventsourcing.projection.logger, pyfly.eventsourcing.projection.name (did you mean `pyfly.eventsourcing.outbox.name`?); valid keys: ",
	} {
		_, err := loadYAML("    " + yaml + "\n")
		require.ErrorIs(t, err, config.ErrInvalidConfig, yaml)
		assert.True(t, strings.HasPrefix(err.Error(), want), "%s:\n%s\ndoes not start with\n%s", yaml, err, want)
		assert.Equal(t, 1, strings.Count(err.Error(), "eventsourcing: "), "reads once: %s", err)
	}
	cfg, err := loadYAML("    outbox: {name: 42}\n")
	require.NoError(t, err)
	assert.Equal(t, "42", cfg.Outbox.Name, "a number is read as text, as for every other string key")
}

// A field no key sets, set in code, is named by its section.
func TestCodeOnlySettingError(t *testing.T) {
	cfg := config.Default()
	cfg.Outbox.Enabled = true
	cfg.Outbox.Owner = "a\x00"
	err := cfg.Validate()
	require.EqualError(t, err, "eventsourcing: pyfly.eventsourcing.outbox: Owner: must not contain NUL bytes")
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	cfg = config.Default()
	cfg.Projection.Owner = strings.Repeat("o", 256)
	require.EqualError(t, cfg.Validate(), "eventsourcing: pyfly.eventsourcing.projection: Owner: at most 255 bytes, got 256")
}

// The health report's thresholds: each key sets its field, 0 is the default, and a value the
// report refuses is named by its key.
func TestHealthSettings(t *testing.T) {
	cfg, err := loadYAML("    health: {projection-lag: 5, projection-stall: 30s, outbox-pending: 7, outbox-age: 2m, horizon-age: 10s, dead-letters: 3}\n")
	require.NoError(t, err)
	assert.Equal(t, health.Config{ProjectionLag: 5, ProjectionStall: 30 * time.Second, OutboxPending: 7, OutboxAge: 2 * time.Minute,
		HorizonAge: 10 * time.Second, DeadLetters: 3}, cfg.Health.Config)
	cfg, err = loadYAML("    health: {projection-lag: 0}\n")
	require.NoError(t, err)
	assert.Equal(t, health.DefaultConfig(), cfg.Health.Config)
	assert.Equal(t, health.DefaultConfig(), config.Default().Health.Config)
	cfg, err = config.Load(config.WithYAML(nil), environ("PYFLY_EVENTSOURCING_HEALTH_OUTBOX-AGE=90s", "PYFLY_EVENTSOURCING_HEALTH_DEAD__LETTERS=2"))
	require.NoError(t, err)
	assert.Equal(t, 90*time.Second, cfg.Health.OutboxAge)
	assert.Equal(t, int64(2), cfg.Health.DeadLetters, "dead_letters is accepted for dead-letters")
	for yaml, want := range map[string]string{
		"health: {projection-lag: -1}":    "eventsourcing: pyfly.eventsourcing.health.projection-lag: must be 0 (the default) or more, got -1",
		"health: {horizon-age: 10000h}":   "eventsourcing: pyfly.eventsourcing.health.horizon-age: must be more than 0 and at most 8784h0m0s, got 10000h0m0s",
		"health: {outbox-age: 30}":        `eventsourcing: pyfly.eventsourcing.health.outbox-age: expects a duration with a unit, such as "30s", "500ms" or "2m", got 30 without a unit`,
		"health: {projection-stall: -1s}": "eventsourcing: pyfly.eventsourcing.health.projection-stall: must be 0 (the default) or a positive duration such as 500ms or 2s, got -1s",
		"health: {outbox-pending: 1.5}":   "eventsourcing: pyfly.eventsourcing.health.outbox-pending: expects a whole number",
		"health: {lag: 3}":                "eventsourcing: pyfly.eventsourcing.health.lag: unknown key; valid keys under pyfly.eventsourcing.health: ",
	} {
		_, err := loadYAML("    " + yaml + "\n")
		require.ErrorIs(t, err, config.ErrInvalidConfig, yaml)
		assert.True(t, strings.HasPrefix(err.Error(), want), "%s:\n%s\ndoes not start with\n%s", yaml, err, want)
	}
}

// The version of a projection is a key under projection.versions named after it.
func TestProjectionVersionsByName(t *testing.T) {
	cfg, err := loadYAML("    projection:\n      switch-lag: 50\n      versions:\n        orders_view: 2\n        customers: 1\n")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"orders_view": 2, "customers": 1}, cfg.Projection.Versions)
	assert.Equal(t, int64(50), cfg.Projection.SwitchLag)
	cfg, err = loadYAML("    projection: {batch-size: 10}\n")
	require.NoError(t, err)
	assert.Empty(t, cfg.Projection.Versions)
	_, err = loadYAML("    projection: {versions: {orders_view: two}}\n")
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "pyfly.eventsourcing.projection.versions")
}
