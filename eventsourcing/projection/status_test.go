package projection_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// holdingObserver holds the runner in EndBatch after the first batch that applied events, between
// the batch's commit and what the runner does next, until release is closed.
type holdingObserver struct {
	done          atomic.Bool
	held, release chan struct{}
}

func (o *holdingObserver) StartBatch(ctx context.Context, _ es.Batch) context.Context { return ctx }

func (o *holdingObserver) EndBatch(_ context.Context, _ es.Batch, res es.BatchResult) {
	if res.Applied > 0 && o.done.CompareAndSwap(false, true) {
		close(o.held)
		<-o.release
	}
}

// TestStatusForgetsAFailureOnceItsEventIsStored: held right after the commit of the batch that
// applied an event which had failed, the runner has not yet forgotten the failure, but Status no
// longer reports the event as failing: its position is at or below the stored checkpoint. The
// last error stays visible.
func TestStatusForgetsAFailureOnceItsEventIsStored(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "order-1", 0, 3)
	var failed atomic.Bool
	down := errors.New("read model down")
	p := projection.FunctionProjection("status_view", func(_ context.Context, e es.Envelope) error {
		if e.Sequence == 1 && failed.CompareAndSwap(false, true) {
			return down
		}
		return nil
	})
	obs := &holdingObserver{held: make(chan struct{}), release: make(chan struct{})}
	logs := testkit.NewLogRecorder()
	r := newRunner(t, p, store, append(fast(logs), projection.WithCheckpoints(memory.NewCheckpointStore()), projection.WithObserver(obs))...)
	require.NoError(t, r.Start(context.Background()))
	defer close(obs.release)
	select {
	case <-obs.held:
	case <-time.After(10 * time.Second):
		t.Fatal("waited 10s for the batch after the failure")
	}
	require.True(t, failed.Load(), "the first event failed once")

	st := status(t, r)
	assert.Equal(t, int64(3), st.Position, "the batch committed")
	assert.Zero(t, st.FailingPosition, "the event that failed is stored")
	assert.Zero(t, st.Attempts)
	assert.ErrorIs(t, st.LastError, down, "the last error stays visible")
}
