package outbox_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/stores/memory"
)

// Every field Validate refuses is named by a *ConfigError that matches es.ErrInvalidArgument; a
// check of two fields names the one that is set.
func TestConfigValidateNamesTheField(t *testing.T) {
	cases := []struct {
		name  string
		cfg   outbox.Config
		field string
		want  string
	}{
		{"name not UTF-8", outbox.Config{Name: "\xff"}, "Name", "must be valid UTF-8"},
		{"name too long", outbox.Config{Name: strings.Repeat("n", outbox.MaxNameBytes+1)}, "Name", "at most 64 bytes, got 65"},
		{"unknown dead-letter policy", outbox.Config{DeadLetterPolicy: "drop"}, "DeadLetterPolicy", `"drop" is not one of "retry", "park", "park-aggregate" or "pause"`},
		{"negative attempts", outbox.Config{MaxAttempts: -1}, "MaxAttempts", "must be from 1 to 2147483647, got -1"},
		{"too many attempts", outbox.Config{MaxAttempts: 3_000_000_000}, "MaxAttempts", "must be from 1 to 2147483647, got 3000000000"},
		{"negative initial back-off", outbox.Config{BackoffInitial: -time.Second}, "BackoffInitial", "must be more than 0 and at most 8784h0m0s, got -1s"},
		{"huge max back-off", outbox.Config{BackoffMax: outbox.MaxDuration + 1}, "BackoffMax", "at most 8784h0m0s"},
		{"negative poll interval", outbox.Config{PollInterval: -1}, "PollInterval", "got -1ns"},
		{"negative publish timeout", outbox.Config{PublishTimeout: -time.Second}, "PublishTimeout", "got -1s"},
		{"negative claim timeout", outbox.Config{ClaimTimeout: -time.Second}, "ClaimTimeout", "got -1s"},
		{"negative batch", outbox.Config{BatchSize: -1}, "BatchSize", "must be from 1 to 10000, got -1"},
		{"huge batch", outbox.Config{BatchSize: outbox.MaxBatchSize + 1}, "BatchSize", "got 10001"},
		{"negative relays", outbox.Config{Relays: -1}, "Relays", "must be from 1 to 1024, got -1"},
		{"too many relays", outbox.Config{Relays: outbox.MaxRelays + 1}, "Relays", "got 1025"},
		{"huge retention", outbox.Config{Retention: outbox.MaxDuration + 1}, "Retention", "must be from 0 to 8784h0m0s"},
		{"owner with NUL", outbox.Config{Owner: "a\x00"}, "Owner", "must not contain NUL bytes"},
		{"initial back-off alone above the default max", outbox.Config{BackoffInitial: 2 * time.Minute}, "BackoffInitial",
			"initial (2m0s) must not exceed max (30s)"},
		{"initial back-off above max", outbox.Config{BackoffInitial: 2 * time.Second, BackoffMax: time.Second}, "BackoffInitial",
			"initial (2s) must not exceed max (1s)"},
		{"claim timeout alone below the default publish timeout", outbox.Config{ClaimTimeout: 10 * time.Second}, "ClaimTimeout",
			"the claim timeout (10s) must be longer than the publish timeout (30s): a relay starts a publish only when it can end before its claim does"},
		{"publish timeout alone above the default claim timeout", outbox.Config{PublishTimeout: 3 * time.Minute}, "PublishTimeout",
			"the claim timeout (2m0s) must be longer than the publish timeout (3m0s)"},
		{"claim timeout equal to the publish timeout", outbox.Config{PublishTimeout: time.Minute, ClaimTimeout: time.Minute}, "ClaimTimeout",
			"the claim timeout (1m0s) must be longer than the publish timeout (1m0s)"},
	}
	covered := map[string]bool{"Logger": true, "Observer": true} // any logger or observer is valid; their options refuse nil
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			require.ErrorIs(t, err, es.ErrInvalidArgument)
			var ce *outbox.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.field, ce.Field)
			assert.Equal(t, "outbox.Config", ce.Config)
			assert.Empty(t, ce.Option)
			assert.Contains(t, ce.Reason, tc.want)
			assert.Equal(t, "eventsourcing: invalid argument: outbox.Config."+tc.field+": "+ce.Reason, err.Error())

			// New says the same about the Config it is given.
			_, err = outbox.New(memory.NewOutboxStore(), noPublish, outbox.WithConfig(tc.cfg))
			require.Equal(t, tc.cfg.Validate(), err)
		})
		covered[tc.field] = true
	}
	for f := range reflect.TypeFor[outbox.Config]().Fields() {
		assert.True(t, covered[f.Name], "no case refuses a bad %s", f.Name)
	}
}

// The zero Config is the defaults, which are the documented constants.
func TestDefaultConfig(t *testing.T) {
	require.NoError(t, outbox.Config{}.Validate())
	d := outbox.DefaultConfig()
	require.NoError(t, d.Validate())
	assert.Equal(t, outbox.Config{
		Name: outbox.DefaultName, MaxAttempts: outbox.DefaultMaxAttempts, DeadLetterPolicy: es.DeadLetterPark,
		BackoffInitial: outbox.DefaultBackoffInitial, BackoffMax: outbox.DefaultBackoffMax,
		PollInterval: outbox.DefaultPollInterval, PublishTimeout: outbox.DefaultPublishTimeout,
		ClaimTimeout: outbox.DefaultClaimTimeout, BatchSize: outbox.DefaultBatchSize,
		Relays: outbox.DefaultRelays, Retention: outbox.DefaultRetention,
	}, d)
	again := d
	again.SetDefaults()
	assert.Equal(t, d, again, "SetDefaults keeps what is set")

	set := outbox.Config{Name: "orders", MaxAttempts: 2, BatchSize: 7, Retention: -1}
	set.SetDefaults()
	assert.Equal(t, "orders", set.Name)
	assert.Equal(t, 2, set.MaxAttempts)
	assert.Equal(t, 7, set.BatchSize)
	assert.Equal(t, time.Duration(-1), set.Retention, "a negative retention keeps none")
	assert.Equal(t, outbox.DefaultRelays, set.Relays)
}

// A max back-off set alone below the default initial wait is the initial wait too; set alone
// above it, the initial wait stays the default.
func TestBackoffMaxAlone(t *testing.T) {
	for maxWait, initial := range map[time.Duration]time.Duration{
		10 * time.Millisecond: 10 * time.Millisecond,
		time.Minute:           outbox.DefaultBackoffInitial,
	} {
		c := outbox.Config{BackoffMax: maxWait}
		require.NoError(t, c.Validate())
		c.SetDefaults()
		assert.Equal(t, initial, c.BackoffInitial)
		assert.Equal(t, maxWait, c.BackoffMax)
	}
	_, err := outbox.New(memory.NewOutboxStore(), noPublish, outbox.WithConfig(outbox.Config{BackoffMax: 10 * time.Millisecond}))
	require.NoError(t, err)
}

// WithConfig sets every setting; options after it change single ones; an option's error names
// the option and the field.
func TestWithConfig(t *testing.T) {
	store := memory.NewOutboxStore()
	ob, err := outbox.New(store, noPublish, outbox.WithConfig(outbox.Config{Name: "orders", Owner: "me"}), outbox.WithName("billing"))
	require.NoError(t, err)
	assert.Equal(t, "billing", ob.Name())
	assert.Equal(t, "me", ob.Owner())
	ob, err = outbox.New(store, noPublish, outbox.WithName("billing"), outbox.WithConfig(outbox.Config{}))
	require.NoError(t, err)
	assert.Equal(t, outbox.DefaultName, ob.Name(), "WithConfig sets every setting")

	_, err = outbox.New(store, noPublish, outbox.WithBatchSize(0))
	var ce *outbox.ConfigError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, outbox.ConfigError{Config: "outbox.Config", Field: "BatchSize", Option: "outbox.WithBatchSize", Reason: "must be from 1 to 10000, got 0"}, *ce)
	assert.EqualError(t, err, "eventsourcing: invalid argument: outbox.WithBatchSize: must be from 1 to 10000, got 0")
	_, err = outbox.New(store, noPublish, outbox.WithBackoff(time.Second, 0))
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "BackoffMax", ce.Field)
	assert.EqualError(t, err, "eventsourcing: invalid argument: outbox.WithBackoff: max: must be more than 0 and at most 8784h0m0s, got 0s")
}
