package projection_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
)

// Every field Validate refuses is named by a *ConfigError that matches es.ErrInvalidArgument.
func TestConfigValidateNamesTheField(t *testing.T) {
	cases := []struct {
		name  string
		cfg   projection.Config
		field string
		want  string
	}{
		{"negative batch", projection.Config{BatchSize: -1}, "BatchSize", "at least 1, got -1"},
		{"negative commit", projection.Config{CommitSize: -5}, "CommitSize", "at least 1, got -5"},
		{"negative poll interval", projection.Config{PollInterval: -time.Second}, "PollInterval", "must be more than 0, got -1s"},
		{"start from the middle", projection.Config{StartFrom: "middle"}, "StartFrom", `"middle" is not "earliest" or "latest"`},
		{"start from in capitals", projection.Config{StartFrom: "Latest"}, "StartFrom", `"Latest" is not`},
		{"short lease", projection.Config{LeaseTTL: time.Millisecond}, "LeaseTTL", "must be from 10ms to 24h0m0s, got 1ms"},
		{"long lease", projection.Config{LeaseTTL: projection.MaxLeaseTTL + 1}, "LeaseTTL", "must be from 10ms to 24h0m0s"},
		{"negative initial retry", projection.Config{RetryInitial: -time.Second}, "RetryInitial", "must be more than 0, got -1s"},
		{"negative max retry", projection.Config{RetryMax: -time.Second}, "RetryMax", "must be more than 0, got -1s"},
		{"negative dead-letter attempts", projection.Config{DeadLetterAfter: -1}, "DeadLetterAfter", "must be from 1 to 2147483647, got -1"},
		{"too many dead-letter attempts", projection.Config{DeadLetterAfter: 1 << 31}, "DeadLetterAfter", "got 2147483648"},
		{"unknown dead-letter policy", projection.Config{DeadLetterPolicy: "Park"}, "DeadLetterPolicy", `"Park" is not one of "retry", "park", "park-aggregate" or "pause"`},
		{"too many partitions", projection.Config{Partitions: projection.MaxPartitions + 1}, "Partitions", "must be from 1 to 256, got 257"},
		{"owner too long", projection.Config{Owner: strings.Repeat("o", projection.MaxNameBytes+1)}, "Owner", "at most 255 bytes, got 256"},
		{"initial retry alone above the default max", projection.Config{RetryInitial: 2 * time.Minute}, "RetryInitial",
			"needs 0 < initial ≤ max, got initial 2m0s, max 1m0s"},
		{"negative switch lag", projection.Config{SwitchLag: -1}, "SwitchLag", "must be from 0 to 100000, got -1"},
		{"version 0", projection.Config{Versions: map[string]int{"orders_view": 0}}, "Versions",
			`projection "orders_view": must be from 1 to 99999, got 0`},
		{"initial retry above max", projection.Config{RetryInitial: 2 * time.Second, RetryMax: time.Second}, "RetryInitial",
			"needs 0 < initial ≤ max, got initial 2s, max 1s"},
	}
	covered := map[string]bool{"Logger": true} // any logger is valid; WithLogger refuses nil
	store := memory.NewEventStore()
	p := projection.FunctionProjection("orders_view", noop)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			require.ErrorIs(t, err, es.ErrInvalidArgument)
			var ce *projection.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.field, ce.Field)
			assert.Equal(t, "projection.Config", ce.Config)
			assert.Empty(t, ce.Option)
			assert.Contains(t, ce.Reason, tc.want)
			assert.Equal(t, "eventsourcing: invalid argument: projection.Config."+tc.field+": "+ce.Reason, err.Error())

			// NewRunner says the same about the Config it is given.
			_, err = projection.NewRunner(p, store, projection.WithConfig(tc.cfg))
			require.Equal(t, tc.cfg.Validate(), err)
		})
		covered[tc.field] = true
	}
	for f := range reflect.TypeFor[projection.Config]().Fields() {
		assert.True(t, covered[f.Name], "no case refuses a bad %s", f.Name)
	}
}

// The zero Config is the defaults, which are the documented constants.
func TestDefaultConfig(t *testing.T) {
	require.NoError(t, projection.Config{}.Validate())
	d := projection.DefaultConfig()
	require.NoError(t, d.Validate())
	assert.Equal(t, projection.Config{
		BatchSize: projection.DefaultBatchSize, CommitSize: projection.DefaultCommitSize,
		PollInterval: projection.DefaultPollInterval, StartFrom: projection.StartEarliest,
		LeaseTTL: projection.DefaultLeaseTTL, RetryInitial: projection.DefaultRetryInitial,
		RetryMax: projection.DefaultRetryMax, SwitchLag: projection.DefaultSwitchLag, Partitions: projection.DefaultPartitions,
	}, d)
	again := d
	again.SetDefaults()
	assert.Equal(t, d, again, "SetDefaults keeps what is set")
}

// A max retry wait set alone below the default initial wait is the initial wait too; set alone
// above it, the initial wait stays the default.
func TestRetryMaxAlone(t *testing.T) {
	for maxWait, initial := range map[time.Duration]time.Duration{
		10 * time.Millisecond: 10 * time.Millisecond,
		time.Hour:             projection.DefaultRetryInitial,
	} {
		c := projection.Config{RetryMax: maxWait}
		require.NoError(t, c.Validate())
		c.SetDefaults()
		assert.Equal(t, initial, c.RetryInitial)
		assert.Equal(t, maxWait, c.RetryMax)
	}
}

// WithConfig sets every setting but the stores; dead letters need both a count and a store.
func TestRunnerWithConfig(t *testing.T) {
	store := memory.NewEventStore()
	p := projection.FunctionProjection("orders_view", noop)
	_, err := projection.NewRunner(p, store, projection.WithConfig(projection.Config{RetryMax: 10 * time.Millisecond, StartFrom: projection.StartLatest}))
	require.NoError(t, err)

	_, err = projection.NewRunner(p, store, projection.WithConfig(projection.Config{DeadLetterAfter: 3}))
	var ce *projection.ConfigError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, "DeadLetterAfter", ce.Field)
	assert.EqualError(t, err, "eventsourcing: invalid argument: projection.Config.DeadLetterAfter: is 3 but there is no dead-letter store to park events in: give one with WithDeadLetters")
	_, err = projection.NewRunner(p, store, projection.WithConfig(projection.Config{DeadLetterAfter: 3}), projection.WithDeadLetters(memory.NewDeadLetterStore(), 3))
	require.NoError(t, err)
	_, err = projection.NewRunner(p, store, projection.WithDeadLetters(memory.NewDeadLetterStore(), 3), projection.WithConfig(projection.Config{}))
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "DeadLetterAfter", ce.Field)
	assert.Contains(t, ce.Reason, "is 0 but a dead-letter store is given (WithDeadLetters)")

	_, err = projection.NewRunner(p, store, projection.WithRetry(time.Second, time.Millisecond))
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, projection.ConfigError{Config: "projection.Config", Field: "RetryInitial", Option: "projection.WithRetry",
		Reason: "needs 0 < initial ≤ max, got initial 1s, max 1ms"}, *ce)
}
