package eventsourcing_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
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

// failFirstStore fails the first append with err and records the event ids of each attempt.
type failFirstStore struct {
	es.EventStore
	err error
	ids []string
}

func (f *failFirstStore) Append(ctx context.Context, id, typ string, expected int64, evs []es.Envelope) error {
	f.ids = append(f.ids, evs[0].EventID)
	if len(f.ids) == 1 {
		return f.err
	}
	return f.EventStore.Append(ctx, id, typ, expected, evs)
}

// After a save the store refused, the next Save builds its envelopes from its own context. Before
// the fix the first attempt's envelopes were kept: a NaN in the metadata or a tenant id over 64
// bytes failed every later Save, and the save after a conflict reused the first context's
// correlation id.
func TestSaveAfterARefusalBuildsNewEnvelopes(t *testing.T) {
	ctx := context.Background()
	for name, bad := range map[string]context.Context{
		"NaN metadata":    es.WithMetadata(ctx, map[string]any{"x": math.NaN()}),
		"long tenant id":  es.WithTenantID(ctx, strings.Repeat("t", 65)),
		"infinite nested": es.WithMetadata(ctx, map[string]any{"n": map[string]any{"x": math.Inf(1)}}),
	} {
		t.Run(name, func(t *testing.T) {
			store := memory.NewEventStore()
			repo, err := es.NewRepository(store, NewCounter)
			require.NoError(t, err)
			c := NewCounter()
			c.ID = "c"
			require.NoError(t, c.Apply(Incremented{}))
			require.ErrorIs(t, repo.Save(bad, c), es.ErrInvalidArgument)
			require.NoError(t, repo.Save(es.WithCorrelationID(ctx, "good"), c))
			envs, err := store.Load(ctx, "c", 0)
			require.NoError(t, err)
			require.Len(t, envs, 1)
			assert.Equal(t, map[string]any{"correlation_id": "good"}, envs[0].Metadata)
			assert.Empty(t, envs[0].TenantID)
		})
	}

	t.Run("conflict", func(t *testing.T) {
		store := &failFirstStore{EventStore: memory.NewEventStore(), err: &es.ConcurrencyError{AggregateID: "c", Expected: 0, Actual: 1}}
		repo, err := es.NewRepository(store, NewCounter)
		require.NoError(t, err)
		c := NewCounter()
		c.ID = "c"
		require.NoError(t, c.Apply(Incremented{}))
		require.ErrorIs(t, repo.Save(es.WithCorrelationID(ctx, "first"), c), es.ErrConcurrency)
		require.NoError(t, repo.Save(es.WithCorrelationID(ctx, "second"), c))
		envs, err := store.Load(ctx, "c", 0)
		require.NoError(t, err)
		require.Len(t, envs, 1)
		assert.Equal(t, "second", envs[0].Metadata[es.MetadataCorrelationID])
		assert.NotEqual(t, store.ids[0], store.ids[1], "new envelopes, new event ids")
	})
}

// After an append whose outcome is unknown, the retry appends the same envelopes (same ids, same
// metadata), whatever context it runs under, so that a store that committed the first recognises
// them.
func TestSaveRetryAfterAnUnknownOutcomeKeepsTheEnvelopes(t *testing.T) {
	ctx := context.Background()
	for name, cause := range map[string]error{
		"outcome unknown":   fmt.Errorf("commit: %w: connection reset", es.ErrOutcomeUnknown),
		"context cancelled": context.Canceled,
		"deadline":          context.DeadlineExceeded,
		"transport":         errors.New("connection reset by peer"),
	} {
		t.Run(name, func(t *testing.T) {
			store := &failFirstStore{EventStore: memory.NewEventStore(), err: cause}
			repo, err := es.NewRepository(store, NewCounter)
			require.NoError(t, err)
			c := NewCounter()
			c.ID = "c"
			require.NoError(t, c.Apply(Incremented{}))
			require.ErrorIs(t, repo.Save(es.WithCorrelationID(ctx, "first"), c), cause)
			require.NoError(t, repo.Save(es.WithCorrelationID(ctx, "second"), c))
			require.Len(t, store.ids, 2)
			assert.Equal(t, store.ids[0], store.ids[1])
			envs, err := store.Load(ctx, "c", 0)
			require.NoError(t, err)
			require.Len(t, envs, 1)
			assert.Equal(t, "first", envs[0].Metadata[es.MetadataCorrelationID])
		})
	}
}
