package projection_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// TestPartitionOfIsFNV1a pins the documented hash: FNV-1a 32-bit of the UTF-8 id, modulo n.
func TestPartitionOfIsFNV1a(t *testing.T) {
	// FNV-1a 32 of "a" is 0xe40c292c (the published test vector).
	assert.Equal(t, int(uint32(0xe40c292c)%7), projection.PartitionOf("a", 7))
	assert.Equal(t, 0, projection.PartitionOf("anything", 1))
	assert.Equal(t, "orders_view#2/4", projection.PartitionName("orders_view", 2, 4))
	seen := map[int]bool{}
	for i := range 200 {
		p := projection.PartitionOf(fmt.Sprintf("order-%d", i), 4)
		require.True(t, p >= 0 && p < 4)
		seen[p] = true
	}
	assert.Len(t, seen, 4, "200 ids spread over every partition")
}

// TestPartitionedRunnerAppliesEachAggregateInOrder: a projection in 4 partitions applies every
// event once, each aggregate's in sequence order and in the partition of its id; each partition
// has its own checkpoint, and Status shows them.
func TestPartitionedRunnerAppliesEachAggregateInOrder(t *testing.T) {
	store := memory.NewEventStore()
	for i := range 40 {
		place(t, store, fmt.Sprintf("order-%d", i), 0, 5)
	}
	cps := memory.NewCheckpointStore()
	var mu sync.Mutex
	last := map[string]int64{}
	count := 0
	wrong := []string{}
	p := projection.FunctionProjection("orders_view", func(ctx context.Context, e es.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		if e.Sequence != last[e.AggregateID]+1 {
			wrong = append(wrong, fmt.Sprintf("%s: %d after %d", e.AggregateID, e.Sequence, last[e.AggregateID]))
		}
		last[e.AggregateID] = e.Sequence
		count++
		return nil
	})
	logs := testkit.NewLogRecorder()
	r := newRunner(t, p, store, append(fast(logs), projection.WithCheckpoints(cps), projection.WithPartitions(4), projection.WithBatchSize(7))...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "every event applied", func() bool { return status(t, r).Lag == 0 })
	mu.Lock()
	assert.Equal(t, 200, count)
	assert.Empty(t, wrong)
	mu.Unlock()
	st := status(t, r)
	require.Len(t, st.Partitions, 4)
	for i, ps := range st.Partitions {
		assert.Equal(t, projection.PartitionName("orders_view", i, 4), ps.Name)
		assert.Equal(t, int64(200), ps.Position, "a partition's checkpoint moves past the other partitions' events")
		assert.True(t, ps.Running)
	}
	assert.True(t, st.Active)
	names, err := cps.CheckpointNames(context.Background(), "orders_view")
	require.NoError(t, err)
	assert.Equal(t, []string{"orders_view#0/4", "orders_view#1/4", "orders_view#2/4", "orders_view#3/4"}, names)

	place(t, store, "order-0", 5, 1)
	eventually(t, "the new event applied", func() bool { return status(t, r).Lag == 0 && status(t, r).Position == 201 })
	mu.Lock()
	assert.Equal(t, 201, count)
	mu.Unlock()
}

// TestChangingPartitionsIsRefusedUntilReset: a runner with another number of partitions than the
// stored checkpoints refuses to start, naming both; Reset clears the old layout, and it runs.
func TestChangingPartitionsIsRefusedUntilReset(t *testing.T) {
	store := memory.NewEventStore()
	for i := range 10 {
		place(t, store, fmt.Sprintf("order-%d", i), 0, 2)
	}
	cps := memory.NewCheckpointStore()
	applied := &calls{}
	p := projection.FunctionProjection("v", func(_ context.Context, e es.Envelope) error {
		applied.add(e.EventID)
		return nil
	})
	logs := testkit.NewLogRecorder()
	run := func(n int) *projection.Runner {
		return newRunner(t, p, store, append(fast(logs), projection.WithCheckpoints(cps), projection.WithPartitions(n))...)
	}
	four := run(4)
	require.NoError(t, four.Start(context.Background()))
	eventually(t, "4 partitions to apply", func() bool { return status(t, four).Lag == 0 })
	require.NoError(t, four.Stop(context.Background()))

	for _, n := range []int{8, 1} {
		err := run(n).Start(context.Background())
		var pc *projection.PartitionsChangedError
		require.True(t, errors.As(err, &pc), "%d partitions: %v", n, err)
		assert.Equal(t, 4, pc.Stored)
		assert.Equal(t, n, pc.Configured)
		require.ErrorIs(t, err, es.ErrInvalidArgument)
		assert.Contains(t, err.Error(), "Reset")
	}
	one := run(1)
	require.NoError(t, one.Reset(context.Background(), 0))
	require.NoError(t, one.Start(context.Background()))
	eventually(t, "the unpartitioned runner to apply", func() bool { return status(t, one).Position == 20 })
	assert.Equal(t, 2, applied.of(readAll(t, store)[0].EventID), "applied again after the reset")
	require.NoError(t, one.Stop(context.Background()))

	err := run(2).Start(context.Background())
	var pc *projection.PartitionsChangedError
	require.ErrorAs(t, err, &pc)
	assert.Equal(t, 1, pc.Stored)
}

// TestWithPartitionsRange: 1 to MaxPartitions.
func TestWithPartitionsRange(t *testing.T) {
	noop := projection.FunctionProjection("v", func(context.Context, es.Envelope) error { return nil })
	for _, n := range []int{0, -1, projection.MaxPartitions + 1} {
		_, err := projection.NewRunner(noop, memory.NewEventStore(), projection.WithPartitions(n))
		var ce *projection.ConfigError
		require.ErrorAs(t, err, &ce, "%d", n)
		assert.Equal(t, "Partitions", ce.Field)
	}
	r, err := projection.NewRunner(noop, memory.NewEventStore(), projection.WithPartitions(projection.MaxPartitions))
	require.NoError(t, err)
	assert.Len(t, r.Partitions(), projection.MaxPartitions)
}

// TestEmptyPartitionsKeepUp: one aggregate, four partitions: three have no events, and their
// checkpoints still move to the head (a read of the whole stream stops after a bound and says
// more follows, so they read on without waiting a poll interval a page).
func TestEmptyPartitionsKeepUp(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "order-1", 0, 500)
	p := projection.FunctionProjection("v", func(context.Context, es.Envelope) error { return nil })
	logs := testkit.NewLogRecorder()
	r := newRunner(t, p, store, append(fast(logs), projection.WithCheckpoints(memory.NewCheckpointStore()),
		projection.WithPartitions(4), projection.WithBatchSize(5), projection.WithPollInterval(time.Hour))...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "every partition at the head", func() bool {
		for _, ps := range status(t, r).Partitions {
			if ps.Position != 500 {
				return false
			}
		}
		return true
	})
}
