package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
)

type openedEvent struct{ Owner string }

func appendOne(t *testing.T, store es.EventStore, id string) {
	t.Helper()
	env, err := es.NewEnvelope(openedEvent{Owner: "ann"})
	require.NoError(t, err)
	require.NoError(t, store.Append(context.Background(), id, "Account", 0, []es.Envelope{env}))
}

// received waits for a signal or for the channel to close, with a generous deadline.
func received(t *testing.T, c <-chan struct{}) bool {
	t.Helper()
	select {
	case _, ok := <-c:
		return ok
	case <-time.After(10 * time.Second):
		t.Fatal("no signal and no close within 10s")
		return false
	}
}

// The forwarding event store hands commit signals on from the store it is bound to (here a
// memory store, which sends them), whether the reader subscribed before or after the binding.
func TestForwardedCommitNotifications(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fwd := &eventStore{slot: newSlot[bunEventStore]("event store")}
	early := fwd.CommitNotifications(ctx)

	_, err := fwd.LastPosition(ctx)
	require.ErrorIs(t, err, ErrNotStarted)
	require.False(t, fwd.JoinsTx(ctx))
	require.Nil(t, fwd.Unwrap())

	mem := memory.NewEventStore()
	fwd.slot.set(mem)
	late := fwd.CommitNotifications(ctx)
	appendOne(t, fwd, "acc-1")
	require.True(t, received(t, late), "a subscription after binding gets the store's signal")

	// The early subscription is forwarded by a goroutine that subscribes once it sees the
	// binding; appends go on until its first signal arrives.
	deadline := time.Now().Add(10 * time.Second)
	for i := 2; ; i++ {
		appendOne(t, fwd, fmt.Sprintf("acc-%d", i))
		select {
		case _, ok := <-early:
			require.True(t, ok)
			goto forwarded
		case <-time.After(10 * time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "the early subscription never got a signal")
	}
forwarded:
	require.Same(t, mem, fwd.Unwrap())
	require.NoError(t, fwd.InTx(ctx, func(ctx context.Context) error {
		require.True(t, fwd.JoinsTx(ctx), "the bound store's transaction is joined")
		return nil
	}))

	fwd.slot.stop()
	_, err = fwd.Load(ctx, "acc-1", 0)
	require.ErrorIs(t, err, ErrStopped)
	require.EqualError(t, err, "eventsourcing: event store used after the application stopped: its database is closed")
	stoppedSub := fwd.CommitNotifications(ctx)

	cancel()
	for _, c := range []<-chan struct{}{early, late, stoppedSub} {
		for range c { // drain pending signals until the close
		}
	}
}

// A subscription made before start on a store that is stopped without ever starting closes
// when its context ends.
func TestNotificationsOfNeverStartedStore(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	fwd := &eventStore{slot: newSlot[bunEventStore]("event store")}
	c := fwd.CommitNotifications(ctx)
	fwd.slot.stop()
	cancel()
	require.False(t, received(t, c))

	err := notStarted("snapshot store")
	require.True(t, errors.Is(err, ErrNotStarted))
	require.EqualError(t, err, "eventsourcing: snapshot store used before the application started: its database opens on start (fx.App.Start, or Databases.Start without Fx)")
}

// BenchmarkForwarding compares a call through the forwarding store with the same call on the
// store it is bound to (a memory store, so the forwarding cost is not hidden behind I/O).
func BenchmarkForwarding(b *testing.B) {
	ctx := context.Background()
	mem := memory.NewEventStore()
	env, err := es.NewEnvelope(openedEvent{Owner: "ann"})
	require.NoError(b, err)
	require.NoError(b, mem.Append(ctx, "acc-1", "Account", 0, []es.Envelope{env}))
	fwd := &eventStore{slot: newSlot[bunEventStore]("event store")}
	fwd.slot.set(mem)
	for _, c := range []struct {
		name  string
		store es.EventStore
	}{{"direct", mem}, {"forwarded", fwd}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.store.LatestVersion(ctx, "acc-1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
