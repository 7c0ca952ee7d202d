package outbox

import (
	"context"
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

// A burst of commit signals wakes the stream once or twice, not once per commit; every burst
// wakes it; the channel closes with the store's, or when ctx ends.
func TestGatheringStoreGathersBursts(t *testing.T) {
	inner := signallingStore{ch: make(chan struct{}, 1)}
	g := gathering(inner, 50*time.Millisecond)
	n, ok := g.(es.CommitNotifier)
	require.True(t, ok)
	u, ok := g.(interface{ Unwrap() es.EventStore })
	require.True(t, ok)
	assert.Equal(t, inner, u.Unwrap())

	out := n.CommitNotifications(context.Background())
	for burst := range 3 {
		for range 100 {
			select {
			case inner.ch <- struct{}{}:
			default:
			}
			time.Sleep(10 * time.Microsecond)
		}
		wakes := 0
		deadline := time.After(5 * time.Second)
	drain:
		for {
			select {
			case <-out:
				wakes++
			case <-time.After(200 * time.Millisecond): // well past the gap: the burst is over
				break drain
			case <-deadline:
				t.Fatal("no wake-up")
			}
		}
		assert.GreaterOrEqual(t, wakes, 1, "burst %d", burst)
		assert.LessOrEqual(t, wakes, 3, "burst %d: 100 signals within the gap wake it a few times at most", burst)
	}
	close(inner.ch)
	select {
	case _, ok := <-out:
		for ok {
			_, ok = <-out
		}
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
