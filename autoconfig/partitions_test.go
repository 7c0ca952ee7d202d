package autoconfig_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/autoconfig"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/testkit"
)

// threeParts is a projection that asks for three partitions itself.
type threeParts struct{ projection.Projection }

func (threeParts) Partitions() int { return 3 }

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
