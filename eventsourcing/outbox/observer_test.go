package outbox_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// TestObserverSeesPublishes: each publish is reported with the outbox's name, the event and the
// attempt, and runs under the observer's context; a failed one is reported with its error.
func TestObserverSeesPublishes(t *testing.T) {
	obs := &testkit.RecordingObserver{}
	var underObserver atomic.Int64
	var failOnce atomic.Bool
	failOnce.Store(true)
	rec := &testkit.PublishRecorder{Fail: func(ctx context.Context, _ es.Envelope) error {
		if testkit.UnderObserver(ctx) {
			underObserver.Add(1)
		}
		if failOnce.CompareAndSwap(true, false) {
			return errors.New("broker down")
		}
		return nil
	}}
	ob := newOutbox(t, memory.NewOutboxStore(), rec.Publish, outbox.WithName("orders"), outbox.WithObserver(obs))
	envs := testkit.OutboxEnvelopes(t, "order-1", 1, 1)
	require.NoError(t, ob.Enqueue(context.Background(), envs[0]))
	require.NoError(t, ob.Start(context.Background()))
	waitFor(t, "the retried publish", func() bool { return len(pendingOf(t, ob)) == 0 })

	ps := obs.Publishes()
	require.Len(t, ps, 2)
	want := es.Publish{Outbox: "orders", EventID: envs[0].EventID, EventType: envs[0].EventType, AggregateType: envs[0].AggregateType, Attempt: 1}
	assert.Equal(t, want, ps[0].Publish)
	assert.EqualError(t, ps[0].Result.Err, "broker down")
	want.Attempt = 2
	assert.Equal(t, want, ps[1].Publish)
	assert.NoError(t, ps[1].Result.Err)
	for i, p := range ps {
		assert.True(t, p.SameContext, "publish %d", i)
		assert.Positive(t, p.Result.Duration, "publish %d", i)
	}
	assert.Equal(t, int64(2), underObserver.Load())

	_, err := outbox.New(memory.NewOutboxStore(), rec.Publish, outbox.WithObserver(nil))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
}
