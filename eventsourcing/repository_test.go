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

// recordingStore wraps a store to record Load's afterSequence and optionally rewrite what it returns.
type recordingStore struct {
	es.EventStore
	loads   []int64
	rewrite func([]es.Envelope)
}

func (s *recordingStore) Load(ctx context.Context, id string, after int64) ([]es.Envelope, error) {
	s.loads = append(s.loads, after)
	envs, err := s.EventStore.Load(ctx, id, after)
	if err == nil && s.rewrite != nil {
		s.rewrite(envs)
	}
	return envs, err
}

func newRepo(t *testing.T, store es.EventStore, opts ...es.RepositoryOption) *es.Repository[*Order] {
	t.Helper()
	r, err := es.NewRepository(store, NewOrder, opts...)
	require.NoError(t, err)
	return r
}

func TestSaveAndLoad(t *testing.T) {
	ctx := context.Background()
	store := memory.NewEventStore()
	repo := newRepo(t, store, es.WithSnapshots(memory.NewSnapshotStore(), es.DefaultSnapshotInterval))

	order := NewOrder()
	order.ID = "o-1"
	require.NoError(t, order.Apply(OrderPlaced{OrderID: "o-1", Amount: 99}))
	require.NoError(t, repo.Save(ctx, order))
	assert.Empty(t, order.PendingEvents(), "saved events are marked committed")

	// "Restart": a new repository over the same store.
	recovered, err := newRepo(t, store).Load(ctx, "o-1")
	require.NoError(t, err)
	assert.Equal(t, 99, recovered.Amount)
	assert.Equal(t, "o-1", recovered.ID)
	assert.Equal(t, int64(1), recovered.Version)
	assert.Empty(t, recovered.PendingEvents())

	require.NoError(t, recovered.Apply(OrderShipped{Carrier: "dhl"}))
	require.NoError(t, repo.Save(ctx, recovered))
	again, err := repo.Load(ctx, "o-1")
	require.NoError(t, err)
	assert.True(t, again.Shipped)
	assert.Equal(t, "dhl", again.Carrier)
	assert.Equal(t, int64(2), again.Version)

	envs, err := store.Load(ctx, "o-1", 0)
	require.NoError(t, err)
	require.Len(t, envs, 2)
	assert.Equal(t, "Order", envs[0].AggregateType, "aggregate type is the Go type name")
	assert.Equal(t, "OrderShipped", envs[1].EventType)
}

func TestSaveWithoutPendingDoesNothing(t *testing.T) {
	store := &recordingStore{EventStore: memory.NewEventStore()}
	repo := newRepo(t, store)
	o := NewOrder()
	o.ID = "o-1"
	require.NoError(t, repo.Save(context.Background(), o))
	lp, _ := store.LastPosition(context.Background())
	assert.Zero(t, lp)
}

func TestLoadNotFound(t *testing.T) {
	repo := newRepo(t, memory.NewEventStore())
	_, err := repo.Load(context.Background(), "nobody")
	require.ErrorIs(t, err, es.ErrAggregateNotFound)
	assert.Contains(t, err.Error(), "nobody")
	_, err = repo.Load(context.Background(), "")
	require.ErrorIs(t, err, es.ErrInvalidArgument)
}

func TestSaveConflictKeepsPending(t *testing.T) {
	ctx := context.Background()
	store := memory.NewEventStore()
	repo := newRepo(t, store)
	o := NewOrder()
	require.NoError(t, o.Place("o-1", 10))
	require.NoError(t, repo.Save(ctx, o))

	a, err := repo.Load(ctx, "o-1")
	require.NoError(t, err)
	b, err := repo.Load(ctx, "o-1")
	require.NoError(t, err)
	require.NoError(t, a.Apply(OrderShipped{}))
	require.NoError(t, b.Apply(OrderCancelled{}))
	require.NoError(t, repo.Save(ctx, a))
	err = repo.Save(ctx, b)
	require.ErrorIs(t, err, es.ErrConcurrency)
	var ce *es.ConcurrencyError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, int64(1), ce.Expected, "expected = version - pending")
	assert.Equal(t, int64(2), ce.Actual)
	assert.Len(t, b.PendingEvents(), 1, "pending events stay after a failed save")
	assert.Equal(t, int64(2), b.Version)
}

func TestLoadValidatesEnvelopes(t *testing.T) {
	ctx := context.Background()
	cases := map[string]func([]es.Envelope){
		"aggregate id":     func(e []es.Envelope) { e[0].AggregateID = "o-2" },
		"aggregate type":   func(e []es.Envelope) { e[0].AggregateType = "Invoice" },
		"sequence gap":     func(e []es.Envelope) { e[1].Sequence = 3 },
		"sequence repeats": func(e []es.Envelope) { e[1].Sequence = 1 },
	}
	for name, rewrite := range cases {
		t.Run(name, func(t *testing.T) {
			store := &recordingStore{EventStore: memory.NewEventStore()}
			repo := newRepo(t, store)
			o := NewOrder()
			require.NoError(t, o.Place("o-1", 1))
			require.NoError(t, o.Apply(OrderShipped{}))
			require.NoError(t, repo.Save(ctx, o))
			store.rewrite = rewrite
			_, err := repo.Load(ctx, "o-1")
			require.ErrorIs(t, err, es.ErrEnvelopeMismatch)
		})
	}
	t.Run("empty aggregate type is accepted", func(t *testing.T) {
		store := &recordingStore{EventStore: memory.NewEventStore()}
		repo := newRepo(t, store)
		o := NewOrder()
		require.NoError(t, o.Place("o-1", 5))
		require.NoError(t, repo.Save(ctx, o))
		store.rewrite = func(e []es.Envelope) { e[0].AggregateType = "" }
		got, err := repo.Load(ctx, "o-1")
		require.NoError(t, err)
		assert.Equal(t, 5, got.Amount)
	})
}

func TestWithAggregateType(t *testing.T) {
	ctx := context.Background()
	store := memory.NewEventStore()
	repo := newRepo(t, store, es.WithAggregateType("orders.Order"))
	o := NewOrder()
	require.NoError(t, o.Place("o-1", 5))
	require.NoError(t, repo.Save(ctx, o))
	envs, err := store.Load(ctx, "o-1", 0)
	require.NoError(t, err)
	assert.Equal(t, "orders.Order", envs[0].AggregateType)
	_, err = newRepo(t, store).Load(ctx, "o-1")
	require.ErrorIs(t, err, es.ErrEnvelopeMismatch, "the default type name no longer matches")
	_, err = es.NewRepository(store, NewOrder, es.WithAggregateType(""))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
}

// saveCounter brings a counter to version from, then saves a batch of n more.
func saveCounter(t *testing.T, repo *es.Repository[*Counter], id string, from, n int) *Counter {
	t.Helper()
	ctx := context.Background()
	c := NewCounter()
	c.ID = id
	if from > 0 {
		for range from {
			require.NoError(t, c.Apply(Incremented{}))
		}
		require.NoError(t, repo.Save(ctx, c))
	}
	for range n {
		require.NoError(t, c.Apply(Incremented{}))
	}
	return c
}

func TestSnapshotIntervalCrossing(t *testing.T) {
	cases := []struct {
		interval, from, to int
		snapshot           bool
	}{
		{100, 95, 105, true},
		{100, 99, 100, true},
		{100, 100, 101, false},
		{2, 0, 2, true},
		{2, 0, 1, false},
		{2, 2, 3, false},
		{2, 3, 4, true},
	}
	for _, c := range cases {
		ctx := context.Background()
		snaps := memory.NewSnapshotStore()
		repo, err := es.NewRepository(memory.NewEventStore(), NewCounter, es.WithSnapshots(snaps, c.interval))
		require.NoError(t, err)
		counter := saveCounter(t, repo, "c", c.from, c.to-c.from)
		// Drop the snapshot the first batch may have taken, to see only this batch's.
		_, err = snaps.Delete(ctx, "c")
		require.NoError(t, err)
		require.NoError(t, repo.Save(ctx, counter))
		s, ok, err := snaps.Load(ctx, "c")
		require.NoError(t, err)
		assert.Equal(t, c.snapshot, ok, "interval %d, %d→%d", c.interval, c.from, c.to)
		if ok {
			assert.Equal(t, int64(c.to), s.Sequence)
			assert.Equal(t, "Counter", s.AggregateType)
			assert.JSONEq(t, `{"ID":"c","Version":`+itoa(c.to)+`,"N":`+itoa(c.to)+`}`, string(s.Payload))
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestSnapshotIntervalValidation(t *testing.T) {
	// An interval below 1 is refused (DESIGN §2.1); 0 once meant the default instead.
	for _, interval := range []int{0, -1, math.MinInt} {
		_, err := es.NewRepository(memory.NewEventStore(), NewCounter, es.WithSnapshots(memory.NewSnapshotStore(), interval))
		require.ErrorIs(t, err, es.ErrInvalidArgument, "interval %d", interval)
		assert.Contains(t, err.Error(), "interval must be 1 or more")
	}
	_, err := es.NewRepository(memory.NewEventStore(), NewCounter, es.WithSnapshots(nil, 10))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	// pyfly's default interval, 100.
	require.Equal(t, 100, es.DefaultSnapshotInterval)
	snaps := memory.NewSnapshotStore()
	repo, err := es.NewRepository(memory.NewEventStore(), NewCounter, es.WithSnapshots(snaps, es.DefaultSnapshotInterval))
	require.NoError(t, err)
	require.NoError(t, repo.Save(context.Background(), saveCounter(t, repo, "c", 0, 99)))
	_, ok, _ := snaps.Load(context.Background(), "c")
	assert.False(t, ok)
	require.NoError(t, repo.Save(context.Background(), saveCounter(t, repo, "d", 0, 100)))
	_, ok, _ = snaps.Load(context.Background(), "d")
	assert.True(t, ok)
}

func TestLoadRestoresSnapshotThenLaterEvents(t *testing.T) {
	ctx := context.Background()
	store := &recordingStore{EventStore: memory.NewEventStore()}
	snaps := memory.NewSnapshotStore()
	repo, err := es.NewRepository(store, NewCounter, es.WithSnapshots(snaps, 10))
	require.NoError(t, err)
	c := saveCounter(t, repo, "c", 8, 4) // 8 saved, then 8→12 crosses 10
	require.NoError(t, repo.Save(ctx, c))
	require.NoError(t, c.Apply(Incremented{}))
	require.NoError(t, repo.Save(ctx, c)) // 13, no snapshot
	store.loads = nil
	got, err := repo.Load(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, []int64{11}, store.loads, "one read: the snapshot's last event (proving the stream reaches it) and the events after it")
	assert.Equal(t, 13, got.N)
	assert.Equal(t, int64(13), got.Version)
	assert.Equal(t, "c", got.ID)

	// A snapshot ahead of the stream (events lost, or another store) is ignored.
	require.NoError(t, snaps.Save(ctx, es.Snapshot{AggregateID: "c", AggregateType: "Counter", Sequence: 50, Payload: []byte(`{"N":500}`)}))
	got, err = repo.Load(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, 13, got.N)

	// A snapshot of another aggregate type is refused.
	require.NoError(t, snaps.Save(ctx, es.Snapshot{AggregateID: "c", AggregateType: "Invoice", Sequence: 60, Payload: []byte(`{}`)}))
	_, err = repo.Load(ctx, "c")
	require.ErrorIs(t, err, es.ErrEnvelopeMismatch)
}

func TestLoadFromSnapshotAlone(t *testing.T) {
	ctx := context.Background()
	snaps := memory.NewSnapshotStore()
	repo, err := es.NewRepository(memory.NewEventStore(), NewCounter, es.WithSnapshots(snaps, 2))
	require.NoError(t, err)
	require.NoError(t, repo.Save(ctx, saveCounter(t, repo, "c", 0, 2)))
	got, err := repo.Load(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, 2, got.N)
	assert.Equal(t, int64(2), got.Version)
}

type secretive struct {
	es.AggregateRoot
	hidden int
}

type withFunc struct {
	es.AggregateRoot
	Callback func()
}

type selfEncoding struct {
	es.AggregateRoot
	hidden int
}

func (s *selfEncoding) MarshalSnapshot() ([]byte, error) {
	return json.Marshal(map[string]int{"h": s.hidden})
}
func (s *selfEncoding) UnmarshalSnapshot(b []byte) error {
	var m map[string]int
	err := json.Unmarshal(b, &m)
	s.hidden = m["h"]
	return err
}
func (s *selfEncoding) OnIncremented(Incremented) { s.hidden++ }

func TestSnapshotStateMustNotLoseData(t *testing.T) {
	snaps := memory.NewSnapshotStore()
	_, err := es.NewRepository(memory.NewEventStore(), func() *secretive { return &secretive{} }, es.WithSnapshots(snaps, 1))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "hidden")
	_, err = es.NewRepository(memory.NewEventStore(), func() *withFunc { return &withFunc{} }, es.WithSnapshots(snaps, 1))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "Callback")
	_, err = es.NewRepository(memory.NewEventStore(), func() *secretive { return &secretive{} })
	require.NoError(t, err, "without snapshots any state is fine")

	ctx := context.Background()
	repo, err := es.NewRepository(memory.NewEventStore(), func() *selfEncoding { return es.Init(&selfEncoding{}) }, es.WithSnapshots(snaps, 1))
	require.NoError(t, err)
	a := es.Init(&selfEncoding{})
	a.ID = "s"
	require.NoError(t, a.Apply(Incremented{}))
	require.NoError(t, a.Apply(Incremented{}))
	require.NoError(t, repo.Save(ctx, a))
	s, ok, err := snaps.Load(ctx, "s")
	require.NoError(t, err)
	require.True(t, ok)
	assert.JSONEq(t, `{"h":2}`, string(s.Payload), "MarshalSnapshot is used")
	got, err := repo.Load(ctx, "s")
	require.NoError(t, err)
	assert.Equal(t, 2, got.hidden, "UnmarshalSnapshot is used")
}

// failingSnapshots fails every save.
type failingSnapshots struct{ es.SnapshotStore }

func (failingSnapshots) Save(context.Context, es.Snapshot) error { return errors.New("disk full") }

func TestSnapshotFailureAfterCommitIsLogged(t *testing.T) {
	var logs bytes.Buffer
	store := memory.NewEventStore()
	repo, err := es.NewRepository(store, NewCounter,
		es.WithSnapshots(failingSnapshots{memory.NewSnapshotStore()}, 1),
		es.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	c := saveCounter(t, repo, "c", 0, 1)
	require.NoError(t, repo.Save(context.Background(), c), "the events are saved; a snapshot failure does not fail Save")
	assert.Contains(t, logs.String(), "disk full")
	v, _ := store.LatestVersion(context.Background(), "c")
	assert.Equal(t, int64(1), v)
}

func TestContextMetadataOnEnvelopes(t *testing.T) {
	store := memory.NewEventStore()
	repo := newRepo(t, store)
	ctx := es.WithMetadata(context.Background(), map[string]any{"user": "ann"})
	ctx = es.WithCorrelationID(ctx, "corr-1")
	ctx = es.WithCausationID(ctx, "cause-1")
	ctx = es.WithTenantID(ctx, "tenant-1")
	o := NewOrder()
	require.NoError(t, o.Place("o-1", 5))
	require.NoError(t, o.Apply(OrderShipped{}))
	require.NoError(t, repo.Save(ctx, o))
	envs, err := store.Load(context.Background(), "o-1", 0)
	require.NoError(t, err)
	require.Len(t, envs, 2)
	for _, e := range envs {
		assert.Equal(t, map[string]any{"user": "ann", "correlation_id": "corr-1", "causation_id": "cause-1"}, e.Metadata)
		assert.Equal(t, "tenant-1", e.TenantID)
	}
	assert.Equal(t, map[string]any{}, es.MetadataFrom(context.Background()))
}

func TestNewRepositoryValidation(t *testing.T) {
	_, err := es.NewRepository[*Order](nil, NewOrder)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	_, err = es.NewRepository[*Order](memory.NewEventStore(), nil)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	repo := newRepo(t, memory.NewEventStore())
	assert.Equal(t, "Order", repo.AggregateType())
	require.ErrorIs(t, repo.Save(context.Background(), nil), es.ErrInvalidArgument)
}

// An upcaster that builds a new envelope (GlobalPosition 0) keeps the store's position on Load and
// ReadAll. Before the fix both failed: "changed its global position (1 to 0)".
func TestUpcasterReturningANewEnvelopeKeepsThePosition(t *testing.T) {
	ctx := context.Background()
	up := es.UpcasterFunc{
		Match: func(e es.Envelope) bool { return e.EventType == "Incremented" && e.Version == 1 },
		Fn: func(e es.Envelope) (es.Envelope, error) {
			return es.Envelope{EventID: e.EventID, AggregateID: e.AggregateID, AggregateType: e.AggregateType, Sequence: e.Sequence,
				EventType: e.EventType, Payload: e.Payload, Metadata: e.Metadata, OccurredAt: e.OccurredAt, Version: 2}, nil
		},
	}
	store := memory.NewEventStore(memory.WithUpcasters(up))
	repo, err := es.NewRepository(store, NewCounter)
	require.NoError(t, err)
	require.NoError(t, repo.Save(ctx, saveCounter(t, repo, "c", 0, 2)))
	got, err := repo.Load(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, 2, got.N)
	all, err := store.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, all, 2)
	for i, e := range all {
		assert.Equal(t, int64(i+1), e.GlobalPosition)
		assert.Equal(t, 2, e.Version)
	}
}
