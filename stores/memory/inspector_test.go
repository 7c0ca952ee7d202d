package memory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// TestInspector: the memory stores' projections (position, lag, lease, state, dead letters) and
// outboxes, as bunstore.Admin reports them from tables.
func TestInspector(t *testing.T) {
	ctx := context.Background()
	events := memory.NewEventStore()
	cps, lease, letters, ob := memory.NewCheckpointStore(), memory.NewLease(), memory.NewDeadLetterStore(), memory.NewOutboxStore()
	_, err := memory.NewInspector(memory.InspectorStores{})
	require.Error(t, err)
	in, err := memory.NewInspector(memory.InspectorStores{Events: events, Checkpoints: cps, Lease: lease, DeadLetters: letters, Outbox: ob,
		StallThreshold: time.Hour})
	require.NoError(t, err)
	require.NoError(t, in.Ping(ctx))
	require.NoError(t, in.CheckSchema(ctx))
	_, err = in.Horizon(ctx)
	assert.ErrorIs(t, err, errors.ErrUnsupported)

	evs := testkit.Envelopes(t, "Placed", 1, 4)
	require.NoError(t, events.Append(ctx, "order-1", "Order", 0, evs))
	r, err := projection.NewRunner(projection.FunctionProjection("orders_view", func(context.Context, es.Envelope) error { return nil }), events,
		projection.WithCheckpoints(cps), projection.WithLease(lease), projection.WithOwner("me"), projection.WithPollInterval(10*time.Millisecond))
	require.NoError(t, err)
	require.NoError(t, r.Start(ctx))
	testkit.WaitFor(t, 10*time.Second, func() bool {
		p, _, err := cps.Position(ctx, "orders_view")
		return err == nil && p == 4
	}, "the runner to catch up")
	ps, err := in.Projections(ctx)
	require.NoError(t, err)
	require.Len(t, ps, 1)
	assert.Equal(t, inspect.StateActive, ps[0].State)
	assert.Equal(t, "me", ps[0].LeaseHolder)
	assert.Equal(t, int64(4), ps[0].Position)
	assert.Zero(t, ps[0].Lag)
	assert.False(t, ps[0].UpdatedAt.IsZero())
	require.NoError(t, r.Stop(ctx))

	require.NoError(t, events.Append(ctx, "order-1", "Order", 4, testkit.Envelopes(t, "Placed", 5, 2)))
	stream, err := events.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	require.NoError(t, letters.Park(ctx, projection.DeadLetter{Projection: "orders_view", Event: stream[0], Attempts: 1, Error: "x", FailedAt: time.Now()}))
	ps, err = in.Projections(ctx)
	require.NoError(t, err)
	assert.Equal(t, inspect.StateStopped, ps[0].State)
	assert.Equal(t, int64(2), ps[0].Lag)
	assert.True(t, stream[4].OccurredAt.Equal(ps[0].OldestWaitingAt))
	assert.Equal(t, int64(1), ps[0].DeadLetters)

	_, ok, err := lease.TryAcquire(ctx, "pyfly.projection.orders_view", "stuck", time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	short, err := memory.NewInspector(memory.InspectorStores{Events: events, Checkpoints: cps, Lease: lease, StallThreshold: time.Nanosecond})
	require.NoError(t, err)
	ps, err = short.Projections(ctx)
	require.NoError(t, err)
	assert.Equal(t, inspect.StateFailing, ps[0].State, "holds the lease and stands still while events wait")

	at := time.Now().Add(-time.Minute)
	require.NoError(t, ob.Enqueue(ctx, "orders", stream[:2], at))
	now := time.Now()
	recs, err := ob.Claim(ctx, outbox.ClaimRequest{Outbox: "orders", Owner: "o", Limit: 1, Now: now, Until: now.Add(time.Minute)})
	require.NoError(t, err)
	_, err = ob.MarkFailed(ctx, "orders", recs[0].Claim(), outbox.Failure{Error: "down", At: now, Dead: true})
	require.NoError(t, err)
	obs, err := in.Outboxes(ctx)
	require.NoError(t, err)
	require.Len(t, obs, 1)
	assert.Equal(t, int64(1), obs[0].Pending)
	assert.Equal(t, int64(1), obs[0].DeadLetters)
	assert.InDelta(t, time.Minute.Seconds(), obs[0].OldestPendingAge().Seconds(), 5)
}
