package memory_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

func snapshot(id string, seq int64) es.Snapshot {
	return es.Snapshot{AggregateID: id, AggregateType: "T", Sequence: seq, Payload: []byte(`{"n":1}`)}
}

func TestInTxCommitsEventsAndSnapshotTogether(t *testing.T) {
	ctx := context.Background()
	events, snaps := memory.NewEventStore(), memory.NewSnapshotStore()
	require.NoError(t, events.InTx(ctx, func(ctx context.Context) error {
		require.True(t, snaps.JoinsTx(ctx))
		require.NoError(t, events.Append(ctx, "a", "T", 0, testkit.Envelopes(t, "E", 1, 2)))
		require.NoError(t, snaps.Save(ctx, snapshot("a", 2)))
		// Inside the unit its own writes are visible; outside they are not yet.
		v, err := events.LatestVersion(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, int64(2), v)
		own, err := events.Load(ctx, "a", 1)
		require.NoError(t, err)
		require.Len(t, own, 1)
		assert.Equal(t, int64(2), own[0].Sequence)
		_, ok, err := snaps.Load(ctx, "a")
		require.NoError(t, err)
		assert.True(t, ok)
		v, err = events.LatestVersion(context.Background(), "a")
		require.NoError(t, err)
		assert.Zero(t, v, "nothing is visible outside the unit before it commits")
		_, ok, err = snaps.Load(context.Background(), "a")
		require.NoError(t, err)
		assert.False(t, ok)
		return nil
	}))
	v, err := events.LatestVersion(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, int64(2), v)
	all, err := events.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, []int64{1, 2}, []int64{all[0].GlobalPosition, all[1].GlobalPosition})
	_, ok, err := snaps.Load(ctx, "a")
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestInTxRollsBackOnErrorAndPanic(t *testing.T) {
	ctx := context.Background()
	events, snaps := memory.NewEventStore(), memory.NewSnapshotStore()
	write := func(ctx context.Context) {
		require.NoError(t, events.Append(ctx, "a", "T", 0, testkit.Envelopes(t, "E", 1, 1)))
		require.NoError(t, snaps.Save(ctx, snapshot("a", 1)))
	}
	boom := errors.New("boom")
	err := memory.InTx(ctx, func(ctx context.Context) error { write(ctx); return boom })
	require.ErrorIs(t, err, boom)
	require.PanicsWithValue(t, "kaboom", func() {
		_ = memory.InTx(ctx, func(ctx context.Context) error { write(ctx); panic("kaboom") })
	})
	all, err := events.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, all, "neither unit left events")
	_, ok, err := snaps.Load(ctx, "a")
	require.NoError(t, err)
	assert.False(t, ok, "neither unit left a snapshot")
	// The event ids of a rolled-back unit are free again.
	require.NoError(t, events.Append(ctx, "a", "T", 0, testkit.Envelopes(t, "E", 1, 1)))
}

func TestInTxConflictAtCommitAppliesNothing(t *testing.T) {
	ctx := context.Background()
	events, snaps := memory.NewEventStore(), memory.NewSnapshotStore()
	err := events.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, events.Append(ctx, "a", "T", 0, testkit.Envelopes(t, "E", 1, 1)))
		require.NoError(t, snaps.Save(ctx, snapshot("a", 1)))
		// Another writer commits to the same aggregate while the unit is open.
		require.NoError(t, events.Append(context.Background(), "a", "T", 0, testkit.Envelopes(t, "E", 1, 1)))
		return nil
	})
	require.ErrorIs(t, err, es.ErrConcurrency)
	var ce *es.ConcurrencyError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "a", ce.AggregateID)
	all, err := events.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	assert.Len(t, all, 1, "only the other writer's event")
	_, ok, err := snaps.Load(ctx, "a")
	require.NoError(t, err)
	assert.False(t, ok, "the unit's snapshot was dropped with its events")
}

func TestInTxNestedJoinsAndConcurrentUnits(t *testing.T) {
	ctx := context.Background()
	events := memory.NewEventStore()
	require.NoError(t, events.InTx(ctx, func(ctx context.Context) error {
		return events.InTx(ctx, func(ctx context.Context) error {
			return events.Append(ctx, "a", "T", 0, testkit.Envelopes(t, "E", 1, 1))
		})
	}))
	// 16 units race on one aggregate at the same version: one commits, the others conflict.
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = events.InTx(ctx, func(ctx context.Context) error {
				return events.Append(ctx, "a", "T", 1, testkit.Envelopes(t, "E", 10*i, 2))
			})
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else {
			require.ErrorIs(t, err, es.ErrConcurrency)
		}
	}
	assert.Equal(t, 1, wins)
	got, err := events.Load(ctx, "a", 0)
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, e := range got {
		assert.Equal(t, int64(i+1), e.Sequence)
		assert.Equal(t, int64(i+1), e.GlobalPosition)
	}
}

// Before the fix, memory.WithUpcasters(nil) was accepted and the first read panicked; the Bun
// store already refused it.
func TestNilUpcasterIsRefused(t *testing.T) {
	s := memory.NewEventStore(memory.WithUpcasters(nil))
	_, err := s.ReadAll(context.Background(), 0, 10)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "upcaster 0 is nil")
	err = s.Append(context.Background(), "a", "T", 0, testkit.Envelopes(t, "E", 1, 1))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
}

// Before the fix, ReadAll(ctx, 1, math.MaxInt) overflowed after+limit and panicked.
func TestReadAllHugeLimit(t *testing.T) {
	ctx := context.Background()
	s := memory.NewEventStore()
	require.NoError(t, s.Append(ctx, "a", "T", 0, testkit.Envelopes(t, "E", 1, 3)))
	got, err := s.ReadAll(ctx, 1, int(^uint(0)>>1))
	require.NoError(t, err)
	assert.Len(t, got, 2)
}

func TestLogGrowsAcrossChunks(t *testing.T) {
	ctx := context.Background()
	s := memory.NewEventStore()
	for i := range 5 {
		require.NoError(t, s.Append(ctx, "a", "T", int64(i*300), testkit.Envelopes(t, "E", i*300, 300)))
	}
	all, err := s.ReadAll(ctx, 0, 10_000)
	require.NoError(t, err)
	require.Len(t, all, 1500)
	for i, e := range all {
		require.Equal(t, int64(i+1), e.GlobalPosition)
		require.Equal(t, int64(i+1), e.Sequence)
	}
	page, err := s.ReadAll(ctx, 511, 3)
	require.NoError(t, err)
	assert.Equal(t, []int64{512, 513, 514}, []int64{page[0].GlobalPosition, page[1].GlobalPosition, page[2].GlobalPosition})
}

func TestCommitNotifications(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := memory.NewEventStore()
	wake := s.CommitNotifications(ctx)
	require.NoError(t, s.Append(ctx, "a", "T", 0, testkit.Envelopes(t, "E", 1, 1)))
	require.NoError(t, s.Append(ctx, "b", "T", 0, testkit.Envelopes(t, "E", 1, 1)))
	<-wake // two commits coalesce into one signal
	select {
	case <-wake:
		t.Fatal("a second signal for commits already signalled")
	default:
	}
	boom := errors.New("boom")
	require.ErrorIs(t, s.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, s.Append(ctx, "c", "T", 0, testkit.Envelopes(t, "E", 1, 1)))
		return boom
	}), boom)
	select {
	case <-wake:
		t.Fatal("a rolled-back unit signalled")
	default:
	}
	require.NoError(t, s.InTx(ctx, func(ctx context.Context) error {
		return s.Append(ctx, "c", "T", 0, testkit.Envelopes(t, "E", 1, 1))
	}))
	<-wake
	cancel()
	for range wake { // closed once ctx ends
	}
}
