package bunstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// waitSignal waits up to d for a signal on c.
func waitSignal(c <-chan struct{}, d time.Duration) bool {
	select {
	case _, ok := <-c:
		return ok
	case <-time.After(d):
		return false
	}
}

// drain empties c of a pending signal.
func drain(c <-chan struct{}) {
	select {
	case <-c:
	default:
	}
}

func TestCommitNotificationsInProcess(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s := newEventStore(t, openDB(t, b.url(t)))
			wake := s.CommitNotifications(ctx)
			drain(wake) // the listener's start-up signal, on PostgreSQL
			require.NoError(t, s.Append(ctx, "a", "T", 0, envs(t, 1)))
			require.True(t, waitSignal(wake, 5*time.Second), "an append on its own signals")

			boom := errors.New("boom")
			require.ErrorIs(t, s.InTx(ctx, func(ctx context.Context) error {
				require.NoError(t, s.Append(ctx, "b", "T", 0, envs(t, 1)))
				require.NoError(t, s.Append(ctx, "c", "T", 0, envs(t, 1)))
				return boom
			}), boom)
			if b.name != "postgres" { // PostgreSQL may still deliver the first append's own NOTIFY
				require.False(t, waitSignal(wake, 200*time.Millisecond), "a rolled-back transaction does not signal")
			}
			drain(wake)
			require.NoError(t, s.InTx(ctx, func(ctx context.Context) error {
				return s.Append(ctx, "b", "T", 0, envs(t, 1))
			}))
			require.True(t, waitSignal(wake, 5*time.Second), "a committed transaction signals")
			cancel()
			for range wake { // closed once ctx ends
			}
		})
	}
}

// On PostgreSQL another process's appends wake a reader through LISTEN/NOTIFY: here a store on
// a separate pool stands for the other process.
func TestCommitNotificationsAcrossPools(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := backends()[0].url(t)
	reader := newEventStore(t, openDB(t, url))
	writer := newEventStore(t, openDB(t, url))
	wake := reader.CommitNotifications(ctx)
	require.True(t, waitSignal(wake, 5*time.Second), "the listener signals once when it starts listening")
	for i := range 3 {
		require.NoError(t, writer.Append(ctx, "a", "T", int64(i), envs(t, 1)))
		require.True(t, waitSignal(wake, 5*time.Second), "append %d in another pool wakes the reader", i)
		drain(wake)
		time.Sleep(50 * time.Millisecond) // past the writer's coalescing interval
	}
}
