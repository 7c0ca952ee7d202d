package eventsourcing_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
)

// apart is a snapshot store in a database of its own, which never joins the event store's
// transaction: its snapshots wait for the commit.
type apart struct{ *memory.SnapshotStore }

func (apart) JoinsTx(context.Context) bool { return false }

func (a apart) Save(_ context.Context, s es.Snapshot) error {
	return a.SnapshotStore.Save(context.Background(), s)
}

func (a apart) Load(_ context.Context, id string) (es.Snapshot, bool, error) {
	return a.SnapshotStore.Load(context.Background(), id)
}

// A Save inside a transaction of the caller's that then rolls back leaves the aggregate as if it
// had not saved: its events pending again, in order, with the event ids they were given, so the
// next Save stores them once. Before, the aggregate believed them committed, and the next Save
// stored nothing.
func TestSaveInARolledBackTransactionLeavesTheEventsPending(t *testing.T) {
	ctx := context.Background()
	store := memory.NewEventStore()
	repo, err := es.NewRepository(store, NewCounter)
	require.NoError(t, err)
	c := NewCounter()
	c.ID = "c"
	boom := errors.New("boom")
	var ids []string
	err = store.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, c.Apply(Incremented{}))
		require.NoError(t, repo.Save(ctx, c))
		assert.Empty(t, c.PendingEvents(), "inside the transaction the events count as committed")
		require.NoError(t, c.Apply(Incremented{}))
		require.NoError(t, c.Apply(Incremented{}))
		require.NoError(t, repo.Save(ctx, c), "a second Save appends after the first")
		stored, err := store.Load(ctx, "c", 0)
		require.NoError(t, err)
		require.Len(t, stored, 3)
		for _, e := range stored {
			ids = append(ids, e.EventID)
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Len(t, c.PendingEvents(), 3, "the rolled-back events are pending again")
	assert.Equal(t, int64(3), c.Version)

	require.NoError(t, repo.Save(ctx, c))
	assert.Empty(t, c.PendingEvents())
	stored, err := store.Load(ctx, "c", 0)
	require.NoError(t, err)
	require.Len(t, stored, 3, "stored once, after the rollback")
	for i, e := range stored {
		assert.Equal(t, int64(i+1), e.Sequence)
		assert.Equal(t, ids[i], e.EventID, "the events keep the ids of the rolled-back attempt")
	}
	loaded, err := repo.Load(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, 3, loaded.N)
}

// A snapshot that does not join the caller's transaction is saved when it commits, and never
// when it rolls back: a snapshot of events that were never stored would otherwise outlive them.
func TestSnapshotOutsideTheCallersTransactionWaitsForItsCommit(t *testing.T) {
	ctx := context.Background()
	store := memory.NewEventStore()
	snaps := apart{memory.NewSnapshotStore()}
	repo, err := es.NewRepository(store, NewCounter, es.WithSnapshots(snaps, 2))
	require.NoError(t, err)
	boom := errors.New("boom")

	c := NewCounter()
	c.ID = "rolled-back"
	require.ErrorIs(t, store.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, c.Apply(Incremented{}))
		require.NoError(t, c.Apply(Incremented{}))
		require.NoError(t, repo.Save(ctx, c))
		return boom
	}), boom)
	_, ok, err := snaps.Load(ctx, "rolled-back")
	require.NoError(t, err)
	assert.False(t, ok, "no snapshot of events a rollback dropped")

	d := NewCounter()
	d.ID = "committed"
	require.NoError(t, store.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, d.Apply(Incremented{}))
		require.NoError(t, d.Apply(Incremented{}))
		require.NoError(t, repo.Save(ctx, d))
		_, ok, err := snaps.Load(ctx, "committed")
		require.NoError(t, err)
		assert.False(t, ok, "not before the commit")
		return nil
	}))
	snap, ok, err := snaps.Load(ctx, "committed")
	require.NoError(t, err)
	require.True(t, ok, "after the commit")
	assert.Equal(t, int64(2), snap.Sequence)
}

// An event's OccurredAt (and the time in its id) is when it was applied, not when it was saved.
func TestOccurredAtIsWhenTheEventWasApplied(t *testing.T) {
	ctx := context.Background()
	store := memory.NewEventStore()
	repo, err := es.NewRepository(store, NewCounter)
	require.NoError(t, err)
	c := NewCounter()
	c.ID = "c"
	before := time.Now().UTC().Truncate(time.Microsecond)
	require.NoError(t, c.Apply(Incremented{}))
	after := time.Now().UTC()
	time.Sleep(30 * time.Millisecond)
	saving := time.Now().UTC().Truncate(time.Microsecond)
	require.NoError(t, repo.Save(ctx, c))
	stored, err := store.Load(ctx, "c", 0)
	require.NoError(t, err)
	require.Len(t, stored, 1)
	at := stored[0].OccurredAt
	assert.False(t, at.Before(before), "%s before %s", at, before)
	assert.False(t, at.After(after), "%s after %s: the save's time, not the apply's", at, after)
	assert.True(t, at.Before(saving))
}

// snapshotDecorator wraps a snapshot store without saying whether it joins transactions.
type snapshotDecorator struct{ es.SnapshotStore }

// A snapshot store that does not say whether it joins the caller's transaction (a decorator
// without JoinsTx) saves through it at once, as before: its snapshot commits with the events.
func TestUndeclaredSnapshotStoreSavesInTheCallersTransaction(t *testing.T) {
	ctx := context.Background()
	store := memory.NewEventStore()
	inner := memory.NewSnapshotStore()
	repo, err := es.NewRepository(store, NewCounter, es.WithSnapshots(snapshotDecorator{inner}, 1))
	require.NoError(t, err)
	c := NewCounter()
	c.ID = "c"
	require.NoError(t, store.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, c.Apply(Incremented{}))
		return repo.Save(ctx, c)
	}))
	snap, ok, err := inner.Load(ctx, "c")
	require.NoError(t, err)
	require.True(t, ok, "the snapshot committed with the events")
	assert.Equal(t, int64(1), snap.Sequence)
}

// A payload that does not decode into the handler's type reads once: one "eventsourcing: "
// (before, the handler error's prefix and ErrDecode's both showed).
func TestHandlerDecodeErrorReadsOnce(t *testing.T) {
	ctx := context.Background()
	store := memory.NewEventStore()
	e, err := es.NewEnvelope(OrderPlaced{Amount: 1})
	require.NoError(t, err)
	e.Payload = []byte(`{"amount":"not a number"}`)
	require.NoError(t, store.Append(ctx, "o", "Order", 0, []es.Envelope{e}))
	repo, err := es.NewRepository(store, NewOrder)
	require.NoError(t, err)
	_, err = repo.Load(ctx, "o")
	require.ErrorIs(t, err, es.ErrDecode)
	assert.Equal(t, 1, strings.Count(err.Error(), "eventsourcing: "), "reads once: %s", err)
}

// The JSON form round-trips a stored envelope exactly, metadata integers beyond 2^53 included
// (before, they came back as float64, rounded).
func TestEnvelopeJSONRoundTripKeepsLargeIntegers(t *testing.T) {
	ctx := context.Background()
	store := memory.NewEventStore()
	e, err := es.NewEnvelope(OrderPlaced{Amount: 1})
	require.NoError(t, err)
	e.Metadata = map[string]any{"n": int64(9007199254740993), "f": 1.5}
	require.NoError(t, store.Append(ctx, "o", "Order", 0, []es.Envelope{e}))
	stored, err := store.Load(ctx, "o", 0)
	require.NoError(t, err)
	b, err := json.Marshal(stored[0])
	require.NoError(t, err)
	var back es.Envelope
	require.NoError(t, json.Unmarshal(b, &back))
	again, err := json.Marshal(back)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(again))
	assert.Contains(t, string(again), `"n":9007199254740993`)
	assert.True(t, stored[0].Equal(back))
	assert.Equal(t, 1.5, back.Metadata["f"])
}
