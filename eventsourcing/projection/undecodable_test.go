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

// breaker is an upcaster that fails on one event while broken is set: the store cannot hand that
// event out (ReadAll ends its page there with an *es.DecodeError).
type breaker struct {
	eventID atomic.Value
	broken  atomic.Bool
	reads   atomic.Int64
}

func (b *breaker) AppliesTo(e es.Envelope) bool { return e.EventID == b.eventID.Load() }

func (b *breaker) Upcast(e es.Envelope) (es.Envelope, error) {
	b.reads.Add(1)
	if b.broken.Load() {
		return e, errors.New("unreadable")
	}
	return e, nil
}

// undecodableStream is 3 events, the one the breaker fails on, and 3 more.
func undecodableStream(t *testing.T) (*memory.EventStore, *breaker, []es.Envelope) {
	t.Helper()
	b := &breaker{}
	b.eventID.Store("")
	store := memory.NewEventStore(memory.WithUpcasters(b))
	place(t, store, "o-1", 0, 3)
	place(t, store, "bad", 0, 1)
	place(t, store, "o-2", 0, 3)
	all := readAll(t, store)
	b.eventID.Store(all[3].EventID)
	b.broken.Store(true)
	return store, b, all
}

// Before the fix, a ReadAll that failed on one event applied none of the events of its page and
// retried the read for ever: the runner never got past it, even with dead letters.
func TestUndecodableEventIsParkedAndTheRestFlows(t *testing.T) {
	for _, tx := range []bool{true, false} {
		name := map[bool]string{true: "in transactions", false: "without transactions"}[tx]
		t.Run(name, func(t *testing.T) {
			store, _, all := undecodableStream(t)
			var c calls
			logs := testkit.NewLogRecorder()
			dead := memory.NewDeadLetterStore()
			var checkpoints projection.CheckpointStore = memory.NewCheckpointStore()
			if !tx {
				checkpoints = plainCheckpoints{checkpoints}
			}
			opts := append(fast(logs), projection.WithDeadLetters(dead, 3), projection.WithBatchSize(5), projection.WithCheckpoints(checkpoints))
			r := newRunner(t, recording("v", &c, nil), store, opts...)
			require.NoError(t, r.Start(context.Background()))
			eventually(t, "6 events and the checkpoint at the end", func() bool {
				return c.len() == 6 && status(t, r).Position == all[6].GlobalPosition
			})
			want := []string{all[0].EventID, all[1].EventID, all[2].EventID, all[4].EventID, all[5].EventID, all[6].EventID}
			assert.Equal(t, want, c.list(), "every good event once, in order")
			letters, err := r.DeadLetters(context.Background(), 0, 10)
			require.NoError(t, err)
			require.Len(t, letters, 1)
			assert.Equal(t, all[3].EventID, letters[0].Event.EventID)
			assert.Equal(t, all[3].GlobalPosition, letters[0].Event.GlobalPosition)
			assert.Equal(t, 3, letters[0].Attempts)
			assert.Contains(t, letters[0].Error, "unreadable")
			assert.Contains(t, letters[0].Error, "decode failed")
			assert.Equal(t, 3, logs.Count("projection_event_failed"))
			assert.Equal(t, 1, logs.Count("projection_event_parked"))
		})
	}
}

// Without dead letters the runner applies the events before it, then reads the event again after
// its back-off: once the store can hand it out, it is applied, in order, and nothing is skipped.
func TestUndecodableEventIsRetriedInOrder(t *testing.T) {
	store, b, all := undecodableStream(t)
	var c calls
	logs := testkit.NewLogRecorder()
	r := newRunner(t, recording("v", &c, nil), store, fast(logs)...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "the events before it and a few attempts", func() bool {
		st := status(t, r)
		return c.len() == 3 && st.FailingPosition == all[3].GlobalPosition && st.Attempts >= 3
	})
	st := status(t, r)
	assert.Equal(t, all[2].GlobalPosition, st.Position)
	require.ErrorIs(t, st.LastError, es.ErrDecode)
	var de *es.DecodeError
	require.ErrorAs(t, st.LastError, &de)
	assert.Equal(t, all[3].EventID, de.Event.EventID)
	assert.Greater(t, b.reads.Load(), int64(2), "read again after each back-off")
	b.broken.Store(false)
	eventually(t, "every event", func() bool { return c.len() == 7 })
	assert.Equal(t, eventIDs(all), c.list())
	assert.Zero(t, status(t, r).FailingPosition)
}

// Reset accepts a position whose next event does not decode: the read proves the position is on
// the stream.
func TestResetBeforeAnUndecodableEvent(t *testing.T) {
	store, _, all := undecodableStream(t)
	r := newRunner(t, recording("v", &calls{}, nil), store, fast(testkit.NewLogRecorder())...)
	require.NoError(t, r.Reset(context.Background(), all[2].GlobalPosition))
	assert.ErrorIs(t, r.Reset(context.Background(), all[6].GlobalPosition+1), es.ErrInvalidArgument)
}

// plainCheckpoints hides the transactions of a checkpoint store: the runner then moves the
// checkpoint after the handlers, and parks before it moves.
type plainCheckpoints struct {
	projection.CheckpointStore // the interface: InTx is not promoted
}

func eventIDs(envs []es.Envelope) []string {
	out := make([]string, len(envs))
	for i, e := range envs {
		out[i] = e.EventID
	}
	return out
}
