package bunstore_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// TestPostgresRequeueWaitsForOpenOutboxWrites: a replay on PostgreSQL does not run beside a
// transaction that writes outbox records; it waits for it to end, so that what it finds pending,
// dead or behind a dead letter cannot change under it. Before, it ran at once, and a save's
// records committing during it could stay ahead of the records it moved.
func TestPostgresRequeueWaitsForOpenOutboxWrites(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.Start(t))
	store := newOutboxStore(t, db)
	evs := testkit.OutboxEnvelopes(t, "a", 1, 3)
	require.NoError(t, store.Enqueue(ctx, "default", evs[:1], time.Now()))

	var committed, afterCommit atomic.Bool
	done := make(chan error, 1)
	require.NoError(t, bunstore.InTx(ctx, db, func(ctx context.Context) error {
		if err := store.Enqueue(ctx, "default", evs[2:], time.Now()); err != nil {
			return err
		}
		go func() {
			err := store.Requeue(context.Background(), "default", evs[:2], time.Now())
			afterCommit.Store(committed.Load())
			done <- err
		}()
		time.Sleep(300 * time.Millisecond) // room for the replay to run ahead, if it could
		committed.Store(true)
		return nil
	}))
	require.NoError(t, <-done)
	require.True(t, afterCommit.Load(), "the replay ended after the open transaction committed")
}
