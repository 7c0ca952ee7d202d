package outbox

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// signallingStore is an event store that signals commits when the test says, as the stores do:
// a signal while one is pending is dropped (the channel holds one).
type signallingStore struct {
	es.EventStore
	ch chan struct{}
}

func (s signallingStore) CommitNotifications(context.Context) <-chan struct{} { return s.ch }

// A burst of commit signals wakes the stream once or twice, not once per commit (without the gap
// each signal would wake it); every burst wakes it; the channel closes with the store's, or when
// ctx ends.
func TestGatheringStoreGathersBursts(t *testing.T) {
	inner := signallingStore{ch: make(chan struct{}, 1)}
	const gap = 500 * time.Millisecond
	g := gathering(inner, gap)
	n, ok := g.(es.CommitNotifier)
	require.True(t, ok)
	u, ok := g.(interface{ Unwrap() es.EventStore })
	require.True(t, ok)
	assert.Equal(t, inner, u.Unwrap())

	out := n.CommitNotifications(context.Background())
	var wakes atomic.Int32
	counted := make(chan struct{})
	go func() { // the stream, reading as it does while the commits come
		defer close(counted)
		for range out {
			wakes.Add(1)
		}
	}()
	for burst := range 2 {
		wakes.Store(0)
		for range 50 { // about 100 ms of commits, each signalled
			select {
			case inner.ch <- struct{}{}:
			default:
			}
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(gap + 200*time.Millisecond) // past the gap: the burst is over
		w := wakes.Load()
		assert.GreaterOrEqual(t, w, int32(1), "burst %d", burst)
		assert.LessOrEqual(t, w, int32(3), "burst %d: 50 signals within about a gap wake it a few times, not 50", burst)
	}
	close(inner.ch)
	select {
	case <-counted:
	case <-time.After(5 * time.Second):
		t.Fatal("the channel did not close with the store's")
	}

	ctx, cancel := context.WithCancel(context.Background())
	out = gathering(signallingStore{ch: make(chan struct{})}, time.Millisecond).(es.CommitNotifier).CommitNotifications(ctx)
	cancel()
	select {
	case _, ok := <-out:
		assert.False(t, ok)
	case <-time.After(5 * time.Second):
		t.Fatal("the channel did not close when ctx ended")
	}
}

// A store that signals no commits is read as it is.
func TestGatheringWithoutSignals(t *testing.T) {
	var store es.EventStore = struct{ es.EventStore }{}
	assert.Equal(t, store, gathering(store, time.Millisecond))
}
