package testkit

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// ObservedStoreFactory returns a new, empty event store that reports to obs (its WithObserver
// option).
type ObservedStoreFactory func(t *testing.T, obs es.StoreObserver) es.EventStore

// RunStoreObserverSuite checks that an event store reports its Append, Load and ReadAll calls to
// its observer as system, with the counts and outcomes of each; that a repository's Save
// reports around the store's append; and that the observer's context keeps the transaction the
// caller's carries.
func RunStoreObserverSuite(t *testing.T, newStore ObservedStoreFactory, system string) {
	t.Helper()
	t.Run("Operations", func(t *testing.T) { testObservedOperations(t, newStore, system) })
	t.Run("RepositorySave", func(t *testing.T) { testObservedSave(t, newStore, system) })
	t.Run("Transaction", func(t *testing.T) { testObservedTransaction(t, newStore) })
}

func testObservedOperations(t *testing.T, newStore ObservedStoreFactory, system string) {
	ctx := context.Background()
	obs := &RecordingObserver{}
	s := newStore(t, obs)
	require.NoError(t, s.Append(ctx, "order-1", "Order", 0, Envelopes(t, "Placed", 1, 3)))
	err := s.Append(ctx, "order-1", "Order", 0, Envelopes(t, "Placed", 1, 1))
	require.ErrorIs(t, err, es.ErrConcurrency)
	events, err := s.Load(ctx, "order-1", 1)
	require.NoError(t, err)
	require.Len(t, events, 2)
	_, err = s.Load(ctx, "order-2", 0)
	require.NoError(t, err)
	page, err := s.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, page, 3)
	_, err = s.ReadAll(ctx, -1, 10)
	require.ErrorIs(t, err, es.ErrInvalidArgument)

	ops := obs.Ops()
	require.Len(t, ops, 6)
	want := []struct {
		op      es.Op
		events  int
		outcome es.Outcome
	}{
		{es.Op{Kind: es.OpAppend, System: system, AggregateType: "Order", AggregateID: "order-1", Events: 3}, 3, es.OutcomeOK},
		{es.Op{Kind: es.OpAppend, System: system, AggregateType: "Order", AggregateID: "order-1", Events: 1}, 1, es.OutcomeConflict},
		{es.Op{Kind: es.OpLoad, System: system, AggregateType: "Order", AggregateID: "order-1", After: 1}, 2, es.OutcomeOK},
		{es.Op{Kind: es.OpLoad, System: system, AggregateID: "order-2"}, 0, es.OutcomeOK},
		{es.Op{Kind: es.OpReadAll, System: system}, 3, es.OutcomeOK},
		{es.Op{Kind: es.OpReadAll, System: system, After: -1}, 0, es.OutcomeInvalid},
	}
	for i, w := range want {
		r := ops[i]
		assert.Equal(t, w.op, r.Op, "operation %d", i)
		assert.Equal(t, w.events, r.Result.Events, "operation %d: events", i)
		assert.Equal(t, w.outcome, es.OutcomeOf(r.Result.Err), "operation %d: outcome", i)
		assert.Positive(t, r.Result.Duration, "operation %d: duration", i)
		assert.True(t, r.SameContext, "operation %d: EndOp gets StartOp's context", i)
		assert.False(t, r.Nested, "operation %d", i)
	}
}

// observedOrder is the aggregate the observer suite saves.
type observedOrder struct {
	es.AggregateRoot
	N int
}

func newObservedOrder() *observedOrder {
	o := &observedOrder{}
	es.When(o, func(e suiteEvent) { o.N = e.N })
	return o
}

func testObservedSave(t *testing.T, newStore ObservedStoreFactory, system string) {
	ctx := context.Background()
	obs := &RecordingObserver{}
	s := newStore(t, obs)
	repo, err := es.NewRepository(s, newObservedOrder, es.WithAggregateType("Order"), es.WithObserver(obs))
	require.NoError(t, err)
	o := newObservedOrder()
	o.ID = "order-1"
	require.NoError(t, o.Apply(suiteEvent{N: 1}))
	require.NoError(t, o.Apply(suiteEvent{N: 2}))
	require.NoError(t, repo.Save(ctx, o))
	loaded, err := repo.Load(ctx, "order-1")
	require.NoError(t, err)
	assert.Equal(t, 2, loaded.N)

	saves := obs.Ops(es.OpSave)
	require.Len(t, saves, 1)
	assert.Equal(t, es.Op{Kind: es.OpSave, System: system, AggregateType: "Order", AggregateID: "order-1", Events: 2}, saves[0].Op)
	assert.Equal(t, 2, saves[0].Result.Events)
	assert.NoError(t, saves[0].Result.Err)
	assert.False(t, saves[0].Nested)
	appends := obs.Ops(es.OpAppend)
	require.Len(t, appends, 1)
	assert.True(t, appends[0].Nested, "the append runs under the save's context")
	assert.LessOrEqual(t, appends[0].Result.Duration, saves[0].Result.Duration)
	loads := obs.Ops(es.OpLoad)
	require.Len(t, loads, 1)
	assert.Equal(t, "Order", loads[0].Op.AggregateType)
	assert.Equal(t, 2, loads[0].Result.Events)

	// A save that loses the race reports the conflict.
	stale := newObservedOrder()
	stale.ID = "order-1"
	require.NoError(t, stale.Apply(suiteEvent{N: 9}))
	require.ErrorIs(t, repo.Save(ctx, stale), es.ErrConcurrency)
	saves = obs.Ops(es.OpSave)
	require.Len(t, saves, 2)
	assert.Equal(t, es.OutcomeConflict, es.OutcomeOf(saves[1].Result.Err))
}

func testObservedTransaction(t *testing.T, newStore ObservedStoreFactory) {
	ctx := context.Background()
	obs := &RecordingObserver{}
	s := newStore(t, obs)
	tx, ok := s.(es.Transactor)
	require.True(t, ok, "%T runs transactions", s)
	rollback := errors.New("roll back")
	err := tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Append(ctx, "order-1", "Order", 0, Envelopes(t, "Placed", 1, 2)); err != nil {
			return err
		}
		v, err := s.LatestVersion(ctx, "order-1")
		require.NoError(t, err)
		assert.Equal(t, int64(2), v, "the observed append joined the transaction")
		events, err := s.Load(ctx, "order-1", 0)
		require.NoError(t, err)
		assert.Len(t, events, 2, "an observed load inside the transaction sees its appends")
		return rollback
	})
	require.ErrorIs(t, err, rollback)
	v, err := s.LatestVersion(ctx, "order-1")
	require.NoError(t, err)
	assert.Zero(t, v, "the observed append rolled back with the transaction")
	require.Len(t, obs.Ops(es.OpAppend), 1)
	assert.True(t, obs.Ops(es.OpAppend)[0].SameContext)
}
