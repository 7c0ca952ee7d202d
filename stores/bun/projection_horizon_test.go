package bunstore_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// TestProjectionHeldAtTheReadHorizon: a transaction left open on PostgreSQL hides the events
// committed after it began. The runner applies what it can read, waits there, says so once in its
// log and in its status, skips nothing, and goes on when the transaction ends.
func TestProjectionHeldAtTheReadHorizon(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.Start(t))
	store := newEventStore(t, db)
	checkpoints, err := bunstore.NewCheckpointStore(db)
	require.NoError(t, err)
	require.NoError(t, store.Append(ctx, "before", "T", 0, envs(t, 3)))

	// The blocker: a transaction with a transaction id, left open.
	conn, err := db.DB.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	blocker, err := conn.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = blocker.Rollback() }()
	_, err = blocker.ExecContext(ctx, "SELECT pg_current_xact_id()")
	require.NoError(t, err)

	require.NoError(t, store.Append(ctx, "after", "T", 0, envs(t, 4)))
	var handled atomic.Int32
	logs := testkit.NewLogRecorder()
	r, err := projection.NewRunner(projection.FunctionProjection("horizon_view", func(context.Context, es.Envelope) error {
		handled.Add(1)
		return nil
	}), store, projection.WithCheckpoints(checkpoints), projection.WithPollInterval(30*time.Millisecond),
		projection.WithLogger(logs.Logger()))
	require.NoError(t, err)
	require.NoError(t, r.Start(ctx))
	t.Cleanup(func() { _ = r.Stop(context.Background()) })

	testkit.WaitFor(t, 20*time.Second, func() bool { return logs.Count("projection_held_at_horizon") > 0 },
		"no held log line:\n%s", logs)
	st, err := r.Status(ctx)
	require.NoError(t, err)
	assert.True(t, st.HeldAtHorizon)
	assert.Equal(t, int32(3), handled.Load(), "the events before the open transaction")
	assert.Equal(t, st.LastPosition, st.Position)
	assert.Greater(t, st.HeadPosition, st.LastPosition, "the status shows the events beyond the horizon")
	assert.Zero(t, st.Lag)
	time.Sleep(150 * time.Millisecond)
	assert.Equal(t, 1, logs.Count("projection_held_at_horizon"), "said once")
	assert.Equal(t, int32(3), handled.Load(), "nothing is skipped or applied past the horizon")

	require.NoError(t, blocker.Rollback())
	testkit.WaitFor(t, 20*time.Second, func() bool { return handled.Load() >= 7 },
		"the events after the horizon were not applied:\n%s", logs)
	testkit.WaitFor(t, 20*time.Second, func() bool { return logs.Count("projection_horizon_released") > 0 },
		"no released log line:\n%s", logs)
	st, err = r.Status(ctx)
	require.NoError(t, err)
	assert.False(t, st.HeldAtHorizon)
	assert.Equal(t, st.HeadPosition, st.Position)
}
