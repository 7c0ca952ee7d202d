package projection_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// TestStandbyLogsHolderOnce: a runner standing by logs once who holds the lease until when, not
// at every try, and its Status shows the holder; once it takes over, Status shows itself.
func TestStandbyLogsHolderOnce(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "order-1", 0, 2)
	cps, lease := memory.NewCheckpointStore(), memory.NewLease()
	noop := func(context.Context, es.Envelope) error { return nil }
	logsA, logsB := testkit.NewLogRecorder(), testkit.NewLogRecorder()
	opts := func(logs *testkit.LogRecorder, owner string) []projection.Option {
		return append(fast(logs), projection.WithCheckpoints(cps), projection.WithLease(lease), projection.WithOwner(owner),
			projection.WithLeaseTTL(time.Minute))
	}
	a := newRunner(t, projection.FunctionProjection("v", noop), store, opts(logsA, "process-a")...)
	require.NoError(t, a.Start(context.Background()))
	eventually(t, "a to apply the events", func() bool { return status(t, a).Position == 2 })
	stA := status(t, a)
	assert.Equal(t, "process-a", stA.LeaseHolder)
	assert.WithinDuration(t, time.Now().Add(time.Minute), stA.LeaseExpiresAt, 30*time.Second)

	b := newRunner(t, projection.FunctionProjection("v", noop), store, opts(logsB, "process-b")...)
	require.NoError(t, b.Start(context.Background()))
	eventually(t, "b to log that it stands by", func() bool { return logsB.Count("projection_standing_by") > 0 })
	time.Sleep(200 * time.Millisecond) // ten standby tries at the poll interval of 20 ms
	assert.Equal(t, 1, logsB.Count("projection_standing_by"), "logged once, not at every try:\n%s", logsB)
	for _, rec := range logsB.Records() {
		if rec.Message == "projection_standing_by" {
			assert.Equal(t, "process-a", rec.Attrs["holder"])
			assert.NotEmpty(t, rec.Attrs["holder_expires_at"])
		}
	}
	stB := status(t, b)
	assert.False(t, stB.Active)
	assert.Equal(t, "process-a", stB.LeaseHolder, "a standby's status names the holder")

	require.NoError(t, a.Stop(context.Background()))
	eventually(t, "b to take over", func() bool { return status(t, b).Active })
	assert.Equal(t, "process-b", status(t, b).LeaseHolder)
}
