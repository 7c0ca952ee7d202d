package projection_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// horizonStore shows readers only the events up to its horizon, as PostgreSQL does while an
// older transaction is open, and reports the real head.
type horizonStore struct {
	*memory.EventStore
	horizon atomic.Int64
}

func (h *horizonStore) ReadAll(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	out, err := h.EventStore.ReadAll(ctx, after, limit)
	for i, e := range out {
		if e.GlobalPosition > h.horizon.Load() {
			return out[:i], err
		}
	}
	return out, err
}

func (h *horizonStore) LastPosition(ctx context.Context) (int64, error) {
	p, err := h.EventStore.LastPosition(ctx)
	return min(p, h.horizon.Load()), err
}

func (h *horizonStore) HeadPosition(ctx context.Context) (int64, error) {
	return h.EventStore.LastPosition(ctx)
}

func TestHeldAtTheReadHorizon(t *testing.T) {
	store := &horizonStore{EventStore: memory.NewEventStore()}
	store.horizon.Store(3)
	place(t, store.EventStore, "o-1", 0, 5)
	var c calls
	logs := testkit.NewLogRecorder()
	r := newRunner(t, recording("v", &c, nil), store, fast(logs)...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "the held log line", func() bool { return logs.Count("projection_held_at_horizon") == 1 })
	st := status(t, r)
	assert.True(t, st.HeldAtHorizon)
	assert.Equal(t, int64(3), st.Position, "the runner never skips past the horizon")
	assert.Equal(t, int64(3), st.LastPosition)
	assert.Equal(t, int64(5), st.HeadPosition)
	assert.Zero(t, st.Lag)
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, 1, logs.Count("projection_held_at_horizon"), "said once")
	assert.Equal(t, 3, c.len())
	store.horizon.Store(5)
	eventually(t, "the rest", func() bool { return c.len() == 5 })
	eventually(t, "the released log line", func() bool { return logs.Count("projection_horizon_released") == 1 })
	assert.False(t, status(t, r).HeldAtHorizon)
}

// countingHorizon counts the position queries of a horizonStore.
type countingHorizon struct {
	*horizonStore
	last, head atomic.Int32
}

func (c *countingHorizon) LastPosition(ctx context.Context) (int64, error) {
	c.last.Add(1)
	return c.horizonStore.LastPosition(ctx)
}

func (c *countingHorizon) HeadPosition(ctx context.Context) (int64, error) {
	c.head.Add(1)
	return c.horizonStore.HeadPosition(ctx)
}

// The horizon is watched only when a read comes back empty, from the head alone. Before the fix
// a short page made two more queries (last and head position) whose answer could not matter.
func TestHorizonWatchAsksOnlyForTheHeadWhenCaughtUp(t *testing.T) {
	store := &countingHorizon{horizonStore: &horizonStore{EventStore: memory.NewEventStore()}}
	store.horizon.Store(3)
	place(t, store.EventStore, "o-1", 0, 5)
	var c calls
	logs := testkit.NewLogRecorder()
	r := newRunner(t, recording("v", &c, nil), store, fast(logs)...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "the held log line", func() bool { return logs.Count("projection_held_at_horizon") == 1 })
	assert.Zero(t, store.last.Load(), "the loop never asks for the last readable position")
	held := store.head.Load()
	assert.GreaterOrEqual(t, held, int32(2), "an episode starts, then is logged")

	// A short page that is not empty: the runner applies it without asking for the head.
	store.horizon.Store(5)
	eventually(t, "the rest", func() bool { return c.len() == 5 })
	eventually(t, "the released log line", func() bool { return logs.Count("projection_horizon_released") == 1 })
	assert.Zero(t, store.last.Load())
}

// commitFailing fails the commit of any batch whose move crosses poison.
type commitFailing struct {
	*memory.CheckpointStore
	poison   atomic.Int64
	mu       sync.Mutex
	expected int64
	next     int64
	failures atomic.Int32
}

var errCommit = errors.New("commit failed: deferred constraint")

func (c *commitFailing) Move(ctx context.Context, name string, expected, next, fence int64) (bool, error) {
	c.mu.Lock()
	c.expected, c.next = expected, next
	c.mu.Unlock()
	return c.CheckpointStore.Move(ctx, name, expected, next, fence)
}

func (c *commitFailing) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return c.CheckpointStore.InTx(ctx, func(ctx context.Context) error {
		if err := fn(ctx); err != nil {
			return err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if p := c.poison.Load(); c.expected < p && c.next >= p {
			c.failures.Add(1)
			return errCommit
		}
		return nil
	})
}

// counting counts ReadAll limits.
type counting struct {
	es.EventStore
	mu     sync.Mutex
	limits []int
}

func (c *counting) ReadAll(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	c.mu.Lock()
	c.limits = append(c.limits, limit)
	c.mu.Unlock()
	return c.EventStore.ReadAll(ctx, after, limit)
}

func (c *counting) Unwrap() es.EventStore { return c.EventStore }

func (c *counting) reads() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.limits...)
}

func TestFailedCommitIsolatesTheEvent(t *testing.T) {
	inner := memory.NewEventStore()
	place(t, inner, "o-1", 0, 10)
	store := &counting{EventStore: inner}
	cp := &commitFailing{CheckpointStore: memory.NewCheckpointStore()}
	cp.poison.Store(6)
	logs := testkit.NewLogRecorder()
	r := newRunner(t, projection.FunctionProjection("v", noop), store,
		append(fast(logs), projection.WithCheckpoints(cp), projection.WithBatchSize(4), projection.WithCommitSize(4))...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "the poisoned commit to fail 3 times", func() bool { return cp.failures.Load() >= 3 })
	st := status(t, r)
	assert.Equal(t, int64(5), st.Position, "the events before it committed one by one")
	require.ErrorIs(t, st.LastError, errCommit)
	cp.poison.Store(0)
	eventually(t, "every event", func() bool { return status(t, r).Position == 10 })
	require.NoError(t, r.Stop(context.Background()))
	limits := store.reads()
	require.GreaterOrEqual(t, len(limits), 7)
	assert.Equal(t, []int{4, 4}, limits[:2], "1-4 committed, 5-8 failed")
	ones := 0
	for _, l := range limits[2:] {
		if l != 1 {
			break
		}
		ones++
	}
	assert.GreaterOrEqual(t, ones, 3+int(cp.failures.Load())-1, "then one at a time: 5, the failures on 6, 6, 7, 8")
	assert.Equal(t, 4, limits[2+ones], "then whole batches again: %v", limits)
	assert.Zero(t, logs.Count("projection_event_failed"), "a failed commit is not the handler's failure")
}

// flakyLease reports a lost lease on its first extension.
type flakyLease struct {
	*memory.Lease
	lost atomic.Bool
}

func (f *flakyLease) Extend(ctx context.Context, name, owner string, token int64, ttl time.Duration) (bool, error) {
	if f.lost.CompareAndSwap(false, true) {
		return false, nil
	}
	return f.Lease.Extend(ctx, name, owner, token, ttl)
}

func TestLostLeaseStandsByAndReacquires(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "o-1", 0, 3)
	var c calls
	logs := testkit.NewLogRecorder()
	lease := &flakyLease{Lease: memory.NewLease()}
	r := newRunner(t, recording("v", &c, nil), store, append(fast(logs),
		projection.WithCheckpoints(memory.NewCheckpointStore()), projection.WithLease(lease),
		projection.WithLeaseTTL(60*time.Millisecond), projection.WithOwner("me"))...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "a second acquisition", func() bool { return logs.Count("projection_lease_acquired") >= 2 })
	assert.Equal(t, 1, logs.Count("projection_lease_lost"))
	place(t, store, "o-1", 3, 2)
	eventually(t, "every event", func() bool { return c.len() == 5 })
	var tokens []string
	for _, rec := range logs.Records() {
		if rec.Message == "projection_lease_acquired" {
			tokens = append(tokens, rec.Attrs["token"])
		}
	}
	assert.Equal(t, []string{"1", "2"}, tokens[:2], "each acquisition has a new token")
	require.NoError(t, r.Stop(context.Background()))
	_, ok, err := lease.TryAcquire(context.Background(), "pyfly.projection.v", "other", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "Stop released the lease, named \"pyfly.projection.\" + the projection's name")
}

func TestStatusAndResetWithoutTransactions(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "o-1", 0, 5)
	var c calls
	r := newRunner(t, recording("v", &c, nil), store, fast(testkit.NewLogRecorder())...)
	st := status(t, r)
	assert.Equal(t, projection.Status{Name: "v", LastPosition: 5, HeadPosition: 5, Lag: 5, Version: 1}, st)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "5 events", func() bool { return c.len() == 5 })
	require.NoError(t, r.Reset(context.Background(), 2))
	eventually(t, "3 events again", func() bool { return c.len() == 8 })
	all, err := store.ReadAll(context.Background(), 0, 10)
	require.NoError(t, err)
	require.Len(t, all, 5)
	ids := make([]string, len(all))
	for i, e := range all {
		ids[i] = e.EventID
	}
	assert.Equal(t, append(ids, ids[2:]...), c.list(), "the five events, then events 3 to 5 again after Reset(2)")
	st = status(t, r)
	assert.Equal(t, int64(5), st.Position)
	assert.Zero(t, st.Lag)
	assert.ErrorIs(t, r.Reset(context.Background(), 6), es.ErrInvalidArgument, "beyond the stream")
	_, err = r.DeadLetters(context.Background(), 0, 10)
	assert.ErrorIs(t, err, es.ErrInvalidArgument, "no dead-letter store")
}

func TestWakesOnCommitThroughDecorators(t *testing.T) {
	inner := memory.NewEventStore()
	var c calls
	store := &counting{EventStore: inner}
	r := newRunner(t, recording("v", &c, nil), store,
		projection.WithPollInterval(time.Hour), projection.WithLogger(testkit.NewLogRecorder().Logger()))
	require.NoError(t, r.Start(context.Background()))
	// The loop subscribes to commits before its first read: from then on no commit is missed.
	eventually(t, "the first read", func() bool { return len(store.reads()) > 0 })
	for i := range 3 {
		place(t, inner, "o-1", i, 1)
		eventually(t, "the event, long before the poll interval", func() bool { return c.len() == i+1 })
	}
}

// lateConflicts is a checkpoint store without transactions whose first Move reports a conflict
// it saw late, as a store that buffers writes may.
type lateConflicts struct {
	projection.CheckpointStore // the interface: InTx is not promoted
	reported                   atomic.Bool
}

func (s *lateConflicts) Move(ctx context.Context, name string, expected, next, fence int64) (bool, error) {
	if s.reported.CompareAndSwap(false, true) {
		return false, fmt.Errorf("commit: %w", projection.ErrCheckpointMoved)
	}
	return s.CheckpointStore.Move(ctx, name, expected, next, fence)
}

// A move outside a transaction that matches ErrCheckpointMoved is a superseded batch, as inside
// one: the runner reloads its checkpoint. Before the fix it was counted as a failure of the stores.
func TestCheckpointMovedWithoutTransactionsIsSuperseded(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "o-1", 0, 3)
	var c calls
	logs := testkit.NewLogRecorder()
	cp := &lateConflicts{CheckpointStore: memory.NewCheckpointStore()}
	r := newRunner(t, recording("v", &c, nil), store, append(fast(logs), projection.WithCheckpoints(cp))...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "the checkpoint at 3", func() bool { return status(t, r).Position == 3 })
	assert.True(t, cp.reported.Load())
	assert.Equal(t, 1, logs.Count("projection_batch_superseded"))
	assert.Zero(t, logs.Count("projection_runner_failed"), "a moved checkpoint is no failure of the stores:\n%s", logs)
	assert.NoError(t, status(t, r).LastError)
}

// moveCounting records the span of every checkpoint move (rolled back or not). Its commits take
// 5 ms, as a disk flush may: dear next to reading a page from memory, so a catch-up joins pages.
type moveCounting struct {
	*memory.CheckpointStore
	mu    sync.Mutex
	moves [][2]int64
}

func (c *moveCounting) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return slowCommit(ctx, c.CheckpointStore.InTx, fn)
}

// slowCommit runs fn in inTx's transaction and, when fn succeeds, takes 5 ms to commit.
func slowCommit(ctx context.Context, inTx func(context.Context, func(context.Context) error) error, fn func(ctx context.Context) error) error {
	return inTx(ctx, func(ctx context.Context) error {
		if err := fn(ctx); err != nil {
			return err
		}
		time.Sleep(5 * time.Millisecond)
		return nil
	})
}

func (c *moveCounting) Move(ctx context.Context, name string, expected, next, fence int64) (bool, error) {
	ok, err := c.CheckpointStore.Move(ctx, name, expected, next, fence)
	if ok && err == nil {
		c.mu.Lock()
		c.moves = append(c.moves, [2]int64{expected, next})
		c.mu.Unlock()
	}
	return ok, err
}

func (c *moveCounting) spans() [][2]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.moves)
}

// A runner that catches up reads full pages back to back at the batch size and commits them
// together, up to the commit size; a short page ends the commit.
func TestCatchUpCommitsSeveralPagesAtOnce(t *testing.T) {
	inner := memory.NewEventStore()
	place(t, inner, "o-1", 0, 25)
	store := &counting{EventStore: inner}
	cp := &moveCounting{CheckpointStore: memory.NewCheckpointStore()}
	var c calls
	logs := testkit.NewLogRecorder()
	r := newRunner(t, recording("v", &c, nil), store,
		append(fast(logs), projection.WithCheckpoints(cp), projection.WithBatchSize(4), projection.WithCommitSize(10))...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "every event", func() bool { return status(t, r).Position == 25 })
	require.NoError(t, r.Stop(context.Background()))
	assert.Equal(t, [][2]int64{{0, 4}, {4, 12}, {12, 20}, {20, 25}}, cp.spans(),
		"the first page alone (its pace is not known yet), then two full pages per commit, then the last full page with the short one")
	limits := store.reads()
	require.GreaterOrEqual(t, len(limits), 7)
	for i, l := range limits {
		assert.Equal(t, 4, l, "read %d asks for the batch size", i)
	}
	assert.Len(t, c.list(), 25, "each event once")
}

// A handler failure in a commit of several pages rolls the whole transaction back: the events
// before the failed one are stored in a transaction of their own, then the failed one is retried.
// Nothing after it is stored first, and every event ends up applied in order.
func TestHandlerFailureInAMultiPageCommit(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "o-1", 0, 12)
	cp := &moveCounting{CheckpointStore: memory.NewCheckpointStore()}
	var failed atomic.Bool
	var c calls
	logs := testkit.NewLogRecorder()
	r := newRunner(t, recording("v", &c, func(e es.Envelope) error {
		if e.GlobalPosition == 6 && failed.CompareAndSwap(false, true) {
			return errors.New("transient")
		}
		return nil
	}), store, append(fast(logs), projection.WithCheckpoints(cp), projection.WithBatchSize(4), projection.WithCommitSize(100))...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "every event", func() bool { return status(t, r).Position == 12 })
	require.NoError(t, r.Stop(context.Background()))
	assert.Equal(t, [][2]int64{{0, 4}, {4, 12}, {4, 5}, {5, 12}}, cp.spans(),
		"the first page alone, the eight after it (rolled back by the failure), the one before the failure, then the rest")
	var ids []string
	for _, e := range readAll(t, store) {
		ids = append(ids, e.EventID)
	}
	want := slices.Concat(ids[:6], ids[4:5], ids[5:]) // 1-6 (6 fails), 5 again, 6-12
	assert.Equal(t, want, c.list())
	assert.Equal(t, 1, logs.Count("projection_event_failed"))
}

// Slow handlers keep a page per transaction: at their pace, two pages would hold the transaction
// (its locks, and on PostgreSQL every reader's horizon) for longer than the catch-up bound.
func TestSlowHandlersCommitEachPage(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "o-1", 0, 12)
	cp := &moveCounting{CheckpointStore: memory.NewCheckpointStore()}
	logs := testkit.NewLogRecorder()
	slow := projection.FunctionProjection("v", func(context.Context, es.Envelope) error {
		time.Sleep(15 * time.Millisecond)
		return nil
	})
	r := newRunner(t, slow, store, append(fast(logs), projection.WithCheckpoints(cp), projection.WithBatchSize(4), projection.WithCommitSize(100))...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "every event", func() bool { return status(t, r).Position == 12 })
	require.NoError(t, r.Stop(context.Background()))
	assert.Equal(t, [][2]int64{{0, 4}, {4, 8}, {8, 12}}, cp.spans())
}

// slowCommitFailing is commitFailing whose commits take 5 ms: a catch-up joins its pages.
type slowCommitFailing struct{ *commitFailing }

func (c slowCommitFailing) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return slowCommit(ctx, c.commitFailing.InTx, fn)
}

// At batch size 1, the pages of a catch-up are single events too: while isolating the event whose
// commit fails they must not be joined again. Before the fix the runner joined events 2-10 once
// more after each failed commit and never stored 2-5.
func TestFailedCommitIsIsolatedAtBatchSizeOne(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "o-1", 0, 10)
	cp := &commitFailing{CheckpointStore: memory.NewCheckpointStore()}
	cp.poison.Store(6)
	logs := testkit.NewLogRecorder()
	r := newRunner(t, projection.FunctionProjection("v", noop), store,
		append(fast(logs), projection.WithCheckpoints(slowCommitFailing{cp}), projection.WithBatchSize(1), projection.WithCommitSize(100))...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "the events before the poisoned one", func() bool { return status(t, r).Position == 5 })
	cp.poison.Store(0)
	eventually(t, "every event", func() bool { return status(t, r).Position == 10 })
}
