package projection_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// TestObserverSeesBatches: each attempt at a batch is reported with its projection, its events
// and its positions; the handler runs under the observer's context, in the checkpoint's
// transaction; a failed attempt is reported with its error.
func TestObserverSeesBatches(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "order-1", 0, 3)
	obs := &testkit.RecordingObserver{}
	cps := memory.NewCheckpointStore()
	var underObserver, inTx atomic.Int64
	var failOnce atomic.Bool
	failOnce.Store(true)
	p := projection.FunctionProjection("observed_view", func(ctx context.Context, e es.Envelope) error {
		if testkit.UnderObserver(ctx) {
			underObserver.Add(1)
		}
		if cps.JoinsTx(ctx) {
			inTx.Add(1)
		}
		if e.Sequence == 4 && failOnce.CompareAndSwap(true, false) {
			return errors.New("read model down")
		}
		return nil
	})
	logs := testkit.NewLogRecorder()
	r := newRunner(t, p, store, append(fast(logs), projection.WithCheckpoints(cps), projection.WithObserver(obs))...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "the first batch", func() bool { return status(t, r).Position == 3 })
	place(t, store, "order-1", 3, 1)
	eventually(t, "the retried event", func() bool { return status(t, r).Position == 4 })

	bs := obs.Batches()
	require.Len(t, bs, 3)
	assert.Equal(t, es.Batch{Projection: "observed_view", Version: 1, Events: 3, From: 0, To: 3}, bs[0].Batch)
	assert.Equal(t, 3, bs[0].Result.Applied)
	assert.Equal(t, es.OutcomeOK, bs[0].Result.Outcome())
	assert.Equal(t, es.Batch{Projection: "observed_view", Version: 1, Events: 1, From: 3, To: 4}, bs[1].Batch)
	assert.Zero(t, bs[1].Result.Applied)
	assert.EqualError(t, bs[1].Result.Err, "read model down")
	assert.Equal(t, es.OutcomeError, bs[1].Result.Outcome())
	assert.Equal(t, 1, bs[2].Result.Applied)
	for i, b := range bs {
		assert.True(t, b.SameContext, "batch %d", i)
		assert.Positive(t, b.Result.Duration, "batch %d", i)
	}
	assert.Equal(t, int64(5), underObserver.Load(), "every handler call ran under the batch's context")
	assert.Equal(t, int64(5), inTx.Load(), "in the checkpoint's transaction")

	_, err := projection.NewRunner(p, store, projection.WithObserver(nil))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
}
