package eventsourcing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
)

// fixedSnapshots returns one stored snapshot whatever it is, as a store written by an older
// version (or by hand) could.
type fixedSnapshots struct {
	es.SnapshotStore
	snap es.Snapshot
}

func (f fixedSnapshots) Load(context.Context, string) (es.Snapshot, bool, error) {
	return f.snap, true, nil
}

// A stored snapshot that cannot be restored is logged and the aggregate rebuilt from its events.
// Before the fix a payload of null restored nothing, and Load returned version 3 with N = 0.
func TestUnrestorableSnapshotFallsBackToEvents(t *testing.T) {
	ctx := context.Background()
	store := memory.NewEventStore()
	writer, err := es.NewRepository(store, NewCounter)
	require.NoError(t, err)
	c := NewCounter()
	c.ID = "c"
	for range 3 {
		require.NoError(t, c.Apply(Incremented{}))
	}
	require.NoError(t, writer.Save(ctx, c))

	for name, payload := range map[string]string{
		"null":         `null`,
		"spaced null":  " \n\tnull",
		"empty":        ``,
		"white space":  " \r\n",
		"string":       `"{}"`,
		"number":       `3`,
		"object then":  `{"N":3} x`,
		"array":        `[1,2]`,
		"wrong types":  `{"N":"three"}`,
		"invalid JSON": `{"N":`,
	} {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			snaps := fixedSnapshots{memory.NewSnapshotStore(), es.Snapshot{AggregateID: "c", AggregateType: "Counter", Sequence: 3, Payload: json.RawMessage(payload)}}
			repo, err := es.NewRepository(store, NewCounter, es.WithSnapshots(snaps, 10),
				es.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			require.NoError(t, err)
			got, err := repo.Load(ctx, "c")
			require.NoError(t, err)
			assert.Equal(t, 3, got.N, "rebuilt from the events")
			assert.Equal(t, int64(3), got.Version)
			assert.Contains(t, logs.String(), "ignoring a snapshot")
			assert.Contains(t, logs.String(), "aggregate_id=c")
		})
	}
}

// A snapshot whose state the aggregate encodes as null is refused when saved, on every store.
type nullState struct {
	es.AggregateRoot
}

func (n *nullState) MarshalSnapshot() ([]byte, error) { return []byte("null"), nil }
func (n *nullState) UnmarshalSnapshot([]byte) error   { return nil }
func (n *nullState) OnIncremented(Incremented)        {}

func TestNullSnapshotStateIsRefusedOnSave(t *testing.T) {
	ctx := context.Background()
	store, snaps := memory.NewEventStore(), memory.NewSnapshotStore()
	repo, err := es.NewRepository(store, func() *nullState { return es.Init(&nullState{}) }, es.WithSnapshots(snaps, 1))
	require.NoError(t, err)
	n := es.Init(&nullState{})
	n.ID = "n"
	require.NoError(t, n.Apply(Incremented{}))
	err = repo.Save(ctx, n)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "JSON object")
	v, err := store.LatestVersion(ctx, "n")
	require.NoError(t, err)
	assert.Zero(t, v, "the events and the refused snapshot roll back together")
}

// A snapshot of another aggregate is refused. Before the fix Load restored the state of "other"
// under the id asked for.
func TestSnapshotOfAnotherAggregateIsRefused(t *testing.T) {
	ctx := context.Background()
	store := memory.NewEventStore()
	writer, err := es.NewRepository(store, NewCounter)
	require.NoError(t, err)
	c := NewCounter()
	c.ID = "c"
	for range 3 {
		require.NoError(t, c.Apply(Incremented{}))
	}
	require.NoError(t, writer.Save(ctx, c))

	snaps := fixedSnapshots{memory.NewSnapshotStore(), es.Snapshot{AggregateID: "other", AggregateType: "Counter", Sequence: 3, Payload: json.RawMessage(`{"N":99}`)}}
	repo, err := es.NewRepository(store, NewCounter, es.WithSnapshots(snaps, 10))
	require.NoError(t, err)
	_, err = repo.Load(ctx, "c")
	require.ErrorIs(t, err, es.ErrEnvelopeMismatch)
	assert.Contains(t, err.Error(), `"other"`)
}

// Unencodable has state that passes the wiring check but does not encode once it holds a NaN.
type Unencodable struct {
	es.AggregateRoot
	N     int
	Ratio float64
}

func (u *Unencodable) OnIncremented(Incremented) {
	u.N++
	u.Ratio = math.NaN()
}

// failingMarshaler's MarshalSnapshot fails.
type failingMarshaler struct {
	es.AggregateRoot
	N int
}

func (f *failingMarshaler) MarshalSnapshot() ([]byte, error) { return nil, errors.New("no encoder") }
func (f *failingMarshaler) UnmarshalSnapshot([]byte) error   { return nil }
func (f *failingMarshaler) OnIncremented(Incremented)        { f.N++ }

// State that does not encode costs the snapshot, not the save: the events are stored, the failure
// is logged. Before the fix every Save that crossed the interval failed and stored nothing.
func TestSnapshotThatDoesNotEncodeIsSkipped(t *testing.T) {
	ctx := context.Background()
	check := func(t *testing.T, store es.EventStore, snaps es.SnapshotStore, logs *bytes.Buffer, agg es.Aggregate) {
		t.Helper()
		v, err := store.LatestVersion(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, int64(3), v)
		_, ok, err := snaps.Load(ctx, "a")
		require.NoError(t, err)
		assert.False(t, ok, "no snapshot")
		assert.Contains(t, logs.String(), "snapshot not taken")
		assert.Contains(t, logs.String(), "aggregate_id=a")
		assert.Empty(t, es.RootOf(agg).PendingEvents())
	}

	t.Run("NaN field", func(t *testing.T) {
		var logs bytes.Buffer
		store, snaps := memory.NewEventStore(), memory.NewSnapshotStore()
		repo, err := es.NewRepository(store, func() *Unencodable { return es.Init(&Unencodable{}) }, es.WithSnapshots(snaps, 2),
			es.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		require.NoError(t, err)
		u := es.Init(&Unencodable{})
		u.ID = "a"
		for range 3 {
			require.NoError(t, u.Apply(Incremented{}))
		}
		require.NoError(t, repo.Save(ctx, u), "the events are saved without a snapshot")
		check(t, store, snaps, &logs, u)
	})

	t.Run("MarshalSnapshot error", func(t *testing.T) {
		var logs bytes.Buffer
		store, snaps := memory.NewEventStore(), memory.NewSnapshotStore()
		repo, err := es.NewRepository(store, func() *failingMarshaler { return es.Init(&failingMarshaler{}) }, es.WithSnapshots(snaps, 2),
			es.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		require.NoError(t, err)
		f := es.Init(&failingMarshaler{})
		f.ID = "a"
		for range 3 {
			require.NoError(t, f.Apply(Incremented{}))
		}
		require.NoError(t, repo.Save(ctx, f), "the events are saved without a snapshot")
		check(t, store, snaps, &logs, f)
		assert.Contains(t, logs.String(), "no encoder")
	})
}
