package eventsourcing_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
)

// traced is a decorator that counts appends and hides the store's InTx; it offers Unwrap.
type traced struct {
	es.EventStore
	appends int
}

func (t *traced) Append(ctx context.Context, id, typ string, expected int64, evs []es.Envelope) error {
	t.appends++
	return t.EventStore.Append(ctx, id, typ, expected, evs)
}

func (t *traced) Unwrap() es.EventStore { return t.EventStore }

// hiding is a decorator that neither forwards InTx nor unwraps.
type hiding struct{ es.EventStore }

// brokenSnapshots joins the memory unit of work and then fails.
type brokenSnapshots struct{ *memory.SnapshotStore }

var errBrokenSnapshot = errors.New("snapshot store broken")

func (b brokenSnapshots) Save(ctx context.Context, s es.Snapshot) error {
	if err := b.SnapshotStore.Save(ctx, s); err != nil {
		return err
	}
	return errBrokenSnapshot
}

// A decorator around the store keeps the snapshot in the append's transaction: when the snapshot
// fails, the events roll back with it.
func TestDecoratedStoreKeepsSnapshotInTheTransaction(t *testing.T) {
	ctx := context.Background()
	inner := memory.NewEventStore()
	store := &traced{EventStore: inner}
	snaps := memory.NewSnapshotStore()
	repo, err := es.NewRepository(store, NewCounter, es.WithSnapshots(brokenSnapshots{snaps}, 2))
	require.NoError(t, err)
	c := NewCounter()
	c.ID = "c"
	require.NoError(t, c.Apply(Incremented{}))
	require.NoError(t, c.Apply(Incremented{}))
	err = repo.Save(ctx, c)
	require.ErrorIs(t, err, errBrokenSnapshot)
	assert.Equal(t, 1, store.appends, "the append went through the decorator")
	v, err := inner.LatestVersion(ctx, "c")
	require.NoError(t, err)
	assert.Zero(t, v, "the events rolled back with the snapshot")
	_, ok, err := snaps.Load(ctx, "c")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Len(t, c.PendingEvents(), 2, "the events stay pending")

	repo, err = es.NewRepository(store, NewCounter, es.WithSnapshots(snaps, 2))
	require.NoError(t, err)
	require.NoError(t, repo.Save(ctx, c))
	s, ok, err := snaps.Load(ctx, "c")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, int64(2), s.Sequence)
}

type recordingOutbox struct {
	joins   bool
	batches [][]es.Envelope
}

func (o *recordingOutbox) EnqueueEvents(_ context.Context, evs []es.Envelope) error {
	o.batches = append(o.batches, evs)
	return nil
}

func (o *recordingOutbox) JoinsTx(context.Context) bool { return o.joins }

func TestWithOutboxNeedsTransactions(t *testing.T) {
	_, err := es.NewRepository(&hiding{memory.NewEventStore()}, NewCounter, es.WithOutbox(&recordingOutbox{joins: true}))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "InTx")

	// The same decorator with WithTransactor is accepted.
	inner := memory.NewEventStore()
	ob := &recordingOutbox{joins: true}
	repo, err := es.NewRepository(&hiding{inner}, NewCounter, es.WithOutbox(ob), es.WithTransactor(inner))
	require.NoError(t, err)
	c := NewCounter()
	c.ID = "c"
	require.NoError(t, c.Apply(Incremented{}))
	require.NoError(t, repo.Save(context.Background(), c))
	require.Len(t, ob.batches, 1)
	assert.Equal(t, int64(1), ob.batches[0][0].Sequence)

	// An outbox that does not write through the store's transaction is refused at save, and the
	// events roll back.
	repo, err = es.NewRepository(inner, NewCounter, es.WithOutbox(&recordingOutbox{joins: false}))
	require.NoError(t, err)
	require.NoError(t, c.Apply(Incremented{}))
	err = repo.Save(context.Background(), c)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not write through the event store's transaction")
	v, err := inner.LatestVersion(context.Background(), "c")
	require.NoError(t, err)
	assert.Equal(t, int64(1), v)
}

// A save retried after an unknown outcome appends the same event ids.
func TestSaveRetryReusesEventIDs(t *testing.T) {
	ctx := context.Background()
	store := &failingOnceStore{EventStore: memory.NewEventStore()}
	repo, err := es.NewRepository(store, NewCounter)
	require.NoError(t, err)
	c := NewCounter()
	c.ID = "c"
	require.NoError(t, c.Apply(Incremented{}))
	require.Error(t, repo.Save(ctx, c))
	require.NoError(t, repo.Save(ctx, c))
	require.Len(t, store.ids, 2)
	assert.Equal(t, store.ids[0], store.ids[1], "the retry carries the event id of the first attempt")
}

type failingOnceStore struct {
	es.EventStore
	ids []string
}

func (f *failingOnceStore) Append(ctx context.Context, id, typ string, expected int64, evs []es.Envelope) error {
	f.ids = append(f.ids, evs[0].EventID)
	if len(f.ids) == 1 {
		return es.ErrOutcomeUnknown
	}
	return f.EventStore.Append(ctx, id, typ, expected, evs)
}
