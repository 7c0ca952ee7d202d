package autoconfig_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// threeParts is a projection that asks for three partitions itself.
type threeParts struct{ projection.Projection }

func (threeParts) Partitions() int { return 3 }

// zeroParts is a projection whose Partitions is out of range.
type zeroParts struct{ projection.Projection }

func (zeroParts) Partitions() int { return 0 }

// The partitions key splits every projection, a PartitionedProjection keeps its own number, and
// the runners of the module balance their partitions (the balancer's members beat in the
// checkpoint database, which holds pyfly_members).
func TestProjectionPartitionsFromTheConfiguration(t *testing.T) {
	cfg := enabledConfig()
	cfg.Store.Provider = "bun"
	cfg.DataRelationalURL = testkit.SQLiteFileURL(t)
	cfg.Projection.Partitions = 2
	s, err := autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	dbs, err := autoconfig.NewDatabases(s)
	require.NoError(t, err)
	store, err := autoconfig.NewEventStore(s, dbs, nil)
	require.NoError(t, err)
	noop := func(context.Context, es.Envelope) error { return nil }
	ps, err := autoconfig.NewProjections(s, dbs, store, []projection.Projection{
		projection.FunctionProjection("two", noop), threeParts{projection.FunctionProjection("three", noop)},
	})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, dbs.Start(ctx))
	t.Cleanup(func() { _ = dbs.Close() })
	require.NoError(t, store.Append(ctx, "acc-1", "Account", 0, testkit.Envelopes(t, "Opened", 1, 3)))
	require.NoError(t, ps.Start(ctx))
	t.Cleanup(func() { _ = ps.Stop(context.Background()) })
	want := map[string]int{"two": 2, "three": 3}
	for _, r := range ps.Runners() {
		assert.Len(t, r.Partitions(), want[r.Name()], r.Name())
		testkit.WaitFor(t, 10*time.Second, func() bool {
			st, err := r.Status(ctx)
			require.NoError(t, err)
			return st.Lag == 0 && st.Position == 3 && st.Active
		}, "%s to apply the events", r.Name())
	}
	var members int
	require.NoError(t, dbs.EventStoreDB().QueryRowContext(ctx, `SELECT count(*) FROM pyfly_members`).Scan(&members))
	assert.Equal(t, 1, members, "the process beats as one member")
}

// A projection the configuration gives a version cannot run partitioned: when the partitions
// key splits it, the error is a configuration error naming both keys, not the runner's field.
func TestVersionedProjectionWithPartitionsNamesTheKeys(t *testing.T) {
	cfg, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(
		"pyfly: {eventsourcing: {enabled: true, projection: {partitions: 2, versions: {pv: 2}}}}\n")))
	require.NoError(t, err)
	s, err := autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	noop := func(context.Context, es.Envelope) error { return nil }
	_, err = autoconfig.NewProjections(s, nil, memory.NewEventStore(), []projection.Projection{
		projection.FunctionProjection("other", noop), projection.FunctionProjection("pv", noop),
	})
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	var ce *config.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "pyfly.eventsourcing.projection.partitions", ce.Key)
	require.EqualError(t, err, `eventsourcing: pyfly.eventsourcing.projection.partitions: is 2, but pyfly.eventsourcing.projection.versions.pv `+
		`sets projection "pv" to version 2: a versioned projection runs unpartitioned; set partitions to 1, or remove pv from versions`)

	// A projection that asks for partitions itself: the versions key is at fault.
	cfg.Projection.Partitions = 1
	s, err = autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	_, err = autoconfig.NewProjections(s, nil, memory.NewEventStore(), []projection.Projection{
		threeParts{projection.FunctionProjection("pv", noop)},
	})
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "pyfly.eventsourcing.projection.versions.pv", ce.Key)
	assert.NotContains(t, err.Error(), "projection.Config.Partitions")
	assert.Contains(t, err.Error(), `asks for 3 partitions`)
}

// A versioned projection whose own partitions are invalid in themselves is not blamed on
// projection.versions: the runner's error says what is wrong.
func TestVersionedProjectionWithInvalidPartitions(t *testing.T) {
	cfg, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(
		"pyfly: {eventsourcing: {enabled: true, projection: {versions: {pv: 2}}}}\n")))
	require.NoError(t, err)
	s, err := autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	noop := func(context.Context, es.Envelope) error { return nil }
	_, err = autoconfig.NewProjections(s, nil, memory.NewEventStore(), []projection.Projection{
		zeroParts{projection.FunctionProjection("pv", noop)},
	})
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.NotContains(t, err.Error(), "projection.versions")
	var pce *projection.ConfigError
	require.ErrorAs(t, err, &pce)
	assert.Equal(t, "Partitions", pce.Field)
}
