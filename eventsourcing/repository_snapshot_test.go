package eventsourcing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
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
		assert.Empty(t, storekit.RootOf(agg).PendingEvents())
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

// PCounter's factory pre-fills state that its events can remove.
type PCounter struct {
	es.AggregateRoot
	Items  map[string]int
	S      string         `json:",omitempty"`
	Cache  map[string]int `json:"-"`
	Labels                // its Label is part of the snapshot
}

type Labels struct{ Label string }

type Dropped struct{ Key string }
type Cleared struct{}

func NewPCounter() *PCounter {
	return es.Init(&PCounter{Items: map[string]int{"seed": 1}, S: "init", Cache: map[string]int{"kept": 1}, Labels: Labels{Label: "default"}})
}

func (p *PCounter) OnIncremented(Incremented) { p.Items["n"]++ }
func (p *PCounter) OnDropped(e Dropped)       { delete(p.Items, e.Key) }
func (p *PCounter) OnCleared(Cleared)         { p.S, p.Label = "", "" }

// A load through a snapshot gives the state a load by replay gives: the fields the snapshot covers
// start from their zero value, not from what the factory filled in. Before the fix the snapshot
// merged into the factory's map and kept the defaults of omitted fields: Items {seed:1, n:1},
// S "init", Label "default".
func TestSnapshotRestoreDoesNotMergeIntoTheFactorysState(t *testing.T) {
	ctx := context.Background()
	store, snaps := memory.NewEventStore(), memory.NewSnapshotStore()
	repo, err := es.NewRepository(store, NewPCounter, es.WithSnapshots(snaps, 3))
	require.NoError(t, err)
	p := NewPCounter()
	p.ID = "p"
	for _, e := range []any{Incremented{}, Dropped{Key: "seed"}, Cleared{}} {
		require.NoError(t, p.Apply(e))
	}
	require.NoError(t, repo.Save(ctx, p))
	_, ok, err := snaps.Load(ctx, "p")
	require.NoError(t, err)
	require.True(t, ok, "the save took a snapshot")

	replayed, err := es.NewRepository(store, NewPCounter)
	require.NoError(t, err)
	want, err := replayed.Load(ctx, "p")
	require.NoError(t, err)
	got, err := repo.Load(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"n": 1}, want.Items)
	assert.Equal(t, want.Items, got.Items)
	assert.Equal(t, "", got.S)
	assert.Equal(t, "", got.Label, "promoted fields of embedded structs are reset too")
	assert.Equal(t, map[string]int{"kept": 1}, got.Cache, "json:\"-\" fields stay as the factory set them")
	assert.Equal(t, int64(3), got.Version)
	require.NoError(t, got.Apply(Incremented{}), "the root stays bound")
}

type Money struct{ cents int64 }

type withMoney struct {
	es.AggregateRoot
	Balance Money
}

type withComplex struct {
	es.AggregateRoot
	Z complex128
}

type withChans struct {
	es.AggregateRoot
	Hooks []chan int
}

type withMapOfFuncs struct {
	es.AggregateRoot
	ByName map[string]*[]func()
}

type withBoolKeys struct {
	es.AggregateRoot
	Seen map[bool]int
}

type hiddenByName struct {
	es.AggregateRoot
	A1 `json:"-"`
	A2
	A3
}

type A2 struct{ Same int }
type A3 struct{ Same int }
type A1 struct{}

type node struct {
	Next  *node
	Value int
	ch    chan int
}

type withLoop struct {
	es.AggregateRoot
	Head *node
}

type embedded struct{ Visible int }

type withEmbedded struct {
	es.AggregateRoot
	embedded
}

func (w *withEmbedded) OnIncremented(Incremented) { w.Visible++ }

type fine struct {
	es.AggregateRoot
	At      time.Time
	Raw     json.RawMessage
	Ptr     *embedded
	Nested  map[int][]map[string]*embedded
	Any     any
	Skipped chan int `json:"-"`
	Tree    *tree
	_       struct{}
}

type tree struct {
	Kids []tree
	Name string
}

// With snapshots, state JSON would lose is refused at wiring time at any depth, with the path of
// the field; what JSON keeps is accepted. Before the fix only top-level fields were checked:
// Balance.cents, complex128 and []chan int passed, and an embedded unexported struct with exported
// fields was refused.
func TestSnapshotStateCheckLooksIntoNestedTypes(t *testing.T) {
	snaps := memory.NewSnapshotStore()
	refuse := func(t *testing.T, err error, path string) {
		t.Helper()
		require.ErrorIs(t, err, es.ErrInvalidArgument)
		assert.Contains(t, err.Error(), "field "+path+":")
	}
	_, err := es.NewRepository(memory.NewEventStore(), func() *withMoney { return &withMoney{} }, es.WithSnapshots(snaps, 1))
	refuse(t, err, "Balance.cents")
	_, err = es.NewRepository(memory.NewEventStore(), func() *withComplex { return &withComplex{} }, es.WithSnapshots(snaps, 1))
	refuse(t, err, "Z")
	_, err = es.NewRepository(memory.NewEventStore(), func() *withChans { return &withChans{} }, es.WithSnapshots(snaps, 1))
	refuse(t, err, "Hooks[i]")
	_, err = es.NewRepository(memory.NewEventStore(), func() *withMapOfFuncs { return &withMapOfFuncs{} }, es.WithSnapshots(snaps, 1))
	refuse(t, err, "ByName[k][i]")
	_, err = es.NewRepository(memory.NewEventStore(), func() *withBoolKeys { return &withBoolKeys{} }, es.WithSnapshots(snaps, 1))
	refuse(t, err, "Seen")
	_, err = es.NewRepository(memory.NewEventStore(), func() *hiddenByName { return &hiddenByName{} }, es.WithSnapshots(snaps, 1))
	refuse(t, err, "A2.Same")
	_, err = es.NewRepository(memory.NewEventStore(), func() *withLoop { return &withLoop{} }, es.WithSnapshots(snaps, 1))
	refuse(t, err, "Head.ch")

	ctx := context.Background()
	store := memory.NewEventStore()
	repo, err := es.NewRepository(store, func() *withEmbedded { return es.Init(&withEmbedded{embedded: embedded{Visible: 7}}) }, es.WithSnapshots(snaps, 1))
	require.NoError(t, err, "JSON keeps the promoted fields of an unexported embedded struct")
	e := es.Init(&withEmbedded{})
	e.ID = "e"
	require.NoError(t, e.Apply(Incremented{}))
	require.NoError(t, repo.Save(ctx, e))
	got, err := repo.Load(ctx, "e")
	require.NoError(t, err)
	assert.Equal(t, 1, got.Visible, "restored from the snapshot")
	_, err = es.NewRepository(memory.NewEventStore(), func() *fine { return &fine{} }, es.WithSnapshots(snaps, 1))
	require.NoError(t, err)
}

// withClashingID embeds, beside the root, a struct whose ID sits at the root's depth: JSON drops
// both, so a snapshot would lose Ref.ID.
type withClashingID struct {
	es.AggregateRoot
	Ref
}

// Ref is state with a field named like the root's.
type Ref struct {
	ID   string
	Note string
}

// withTaggedRef is withClashingID with Ref's ID renamed by a tag: JSON keeps it.
type withTaggedRef struct {
	es.AggregateRoot
	TaggedRef
}

// TaggedRef names its ID field in JSON.
type TaggedRef struct {
	ID string `json:"ref_id"`
}

// withOwnID has an ID of its own above the root's: JSON keeps it (the root's comes from the
// snapshot record).
type withOwnID struct {
	es.AggregateRoot
	ID string
	N  int
}

func (*withClashingID) OnIncremented(Incremented) {}
func (*withTaggedRef) OnIncremented(Incremented)  {}
func (w *withOwnID) OnIncremented(Incremented)    { w.N++ }

// A state field that the embedded root's ID or Version hides from JSON is refused at wiring time.
// Before the fix the check left the root out, and Ref.ID was dropped from every snapshot.
func TestSnapshotStateCheckSeesTheRootsFields(t *testing.T) {
	snaps := memory.NewSnapshotStore()
	_, err := es.NewRepository(memory.NewEventStore(), func() *withClashingID { return &withClashingID{} }, es.WithSnapshots(snaps, 1))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "field Ref.ID:")
	assert.Contains(t, err.Error(), "AggregateRoot")
	_, err = es.NewRepository(memory.NewEventStore(), func() *withTaggedRef { return &withTaggedRef{} }, es.WithSnapshots(snaps, 1))
	require.NoError(t, err)

	ctx := context.Background()
	repo, err := es.NewRepository(memory.NewEventStore(), func() *withOwnID { return &withOwnID{} }, es.WithSnapshots(snaps, 1))
	require.NoError(t, err)
	a := es.Init(&withOwnID{ID: "own"})
	a.AggregateRoot.ID = "a"
	require.NoError(t, a.Apply(Incremented{}))
	require.NoError(t, repo.Save(ctx, a))
	got, err := repo.Load(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, "own", got.ID, "the aggregate's own ID, from the snapshot")
	assert.Equal(t, "a", got.AggregateRoot.ID)
	assert.Equal(t, 1, got.N)
	_, ok, err := snaps.Load(ctx, "a")
	require.NoError(t, err)
	require.True(t, ok, "restored from a snapshot")
}

// WithSnapshotsWhenLossless: an aggregate whose state JSON would lose gets no snapshots and a
// warning naming the field instead of an error; one JSON keeps is snapshotted as with
// WithSnapshots; a bad interval or store is refused alike.
func TestWithSnapshotsWhenLossless(t *testing.T) {
	ctx := context.Background()
	snaps := memory.NewSnapshotStore()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	_, err := es.NewRepository(memory.NewEventStore(), func() *withMoney { return &withMoney{} }, es.WithSnapshots(snaps, 1))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	lossy, err := es.NewRepository(memory.NewEventStore(), func() *withMoney { return es.Init(&withMoney{}) },
		es.WithSnapshotsWhenLossless(snaps, 1), es.WithLogger(logger))
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "takes no snapshots")
	assert.Contains(t, logs.String(), "Balance.cents")
	m := es.Init(&withMoney{})
	m.ID = "m"
	require.NoError(t, m.Apply(Incremented{}))
	require.NoError(t, lossy.Save(ctx, m))
	_, ok, err := snaps.Load(ctx, "m")
	require.NoError(t, err)
	assert.False(t, ok, "no snapshot taken")

	repo, err := es.NewRepository(memory.NewEventStore(), NewCounter, es.WithSnapshotsWhenLossless(snaps, 1))
	require.NoError(t, err)
	require.NoError(t, repo.Save(ctx, saveCounter(t, repo, "c", 0, 1)))
	_, ok, err = snaps.Load(ctx, "c")
	require.NoError(t, err)
	assert.True(t, ok, "snapshotted as with WithSnapshots")

	_, err = es.NewRepository(memory.NewEventStore(), NewCounter, es.WithSnapshotsWhenLossless(snaps, 0))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	_, err = es.NewRepository(memory.NewEventStore(), NewCounter, es.WithSnapshotsWhenLossless(nil, 1))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	// An interface field counts as lost here (not with WithSnapshots); one of the two snapshot
	// methods alone is still an error.
	logs.Reset()
	_, err = es.NewRepository(memory.NewEventStore(), func() *withInterface { return es.Init(&withInterface{}) },
		es.WithSnapshotsWhenLossless(snaps, 1), es.WithLogger(logger))
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "field Last: an interface field")
	_, err = es.NewRepository(memory.NewEventStore(), func() *withInterface { return es.Init(&withInterface{}) }, es.WithSnapshots(snaps, 1))
	require.NoError(t, err)
	_, err = es.NewRepository(memory.NewEventStore(), func() *halfMarshaler { return es.Init(&halfMarshaler{}) }, es.WithSnapshotsWhenLossless(snaps, 1))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "implement both MarshalSnapshot and UnmarshalSnapshot")
	// A later WithSnapshots is strict again.
	_, err = es.NewRepository(memory.NewEventStore(), func() *withMoney { return &withMoney{} },
		es.WithSnapshotsWhenLossless(snaps, 1), es.WithSnapshots(snaps, 1))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
}

func (*withMoney) OnIncremented(Incremented) {}

// withInterface keeps the last event in an interface field.
type withInterface struct {
	es.AggregateRoot
	Last any
}

func (w *withInterface) OnIncremented(e Incremented) { w.Last = e }

// halfMarshaler encodes its snapshot itself but cannot decode one.
type halfMarshaler struct{ es.AggregateRoot }

func (*halfMarshaler) OnIncremented(Incremented)        {}
func (*halfMarshaler) MarshalSnapshot() ([]byte, error) { return []byte(`{}`), nil }
