package outbox

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// mapCheckpoints is a checkpoint store in a map, with the contract's fencing (the memory
// store's package imports this one, so its tests cannot use it).
type mapCheckpoints struct {
	mu sync.Mutex
	m  map[string][2]int64 // name -> position, fence
}

func newMapCheckpoints() *mapCheckpoints { return &mapCheckpoints{m: map[string][2]int64{}} }

func (c *mapCheckpoints) Load(_ context.Context, name string, initial, fence int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp, ok := c.m[name]
	if !ok {
		cp = [2]int64{initial, 0}
	}
	cp[1] = max(cp[1], fence)
	c.m[name] = cp
	return cp[0], nil
}

func (c *mapCheckpoints) Position(_ context.Context, name string) (int64, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp, ok := c.m[name]
	return cp[0], ok, nil
}

func (c *mapCheckpoints) Move(_ context.Context, name string, expected, next, fence int64) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp, ok := c.m[name]
	if !ok || cp[0] != expected || (fence != 0 && fence < cp[1]) {
		return false, nil
	}
	cp[0] = next
	if fence != 0 {
		cp[1] = fence
	}
	c.m[name] = cp
	return true, nil
}

func (c *mapCheckpoints) Reset(_ context.Context, name string, position int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[name] = [2]int64{position, c.m[name][1]}
	return nil
}

// countingCheckpoints counts the moves that reach the store it wraps.
type countingCheckpoints struct {
	projection.CheckpointStore
	moves atomic.Int64
}

func (c *countingCheckpoints) Move(ctx context.Context, name string, expected, next, fence int64) (bool, error) {
	c.moves.Add(1)
	return c.CheckpointStore.Move(ctx, name, expected, next, fence)
}

func newLazy(t *testing.T, interval time.Duration) (*lazyCheckpoints, *countingCheckpoints) {
	t.Helper()
	inner := &countingCheckpoints{CheckpointStore: newMapCheckpoints()}
	l := newLazyCheckpoints(inner, interval, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { _ = l.flush(context.Background()) })
	return l, inner
}

func storedPosition(t *testing.T, s projection.CheckpointStore, name string) int64 {
	t.Helper()
	p, ok, err := s.Position(context.Background(), name)
	require.NoError(t, err)
	require.True(t, ok, "the checkpoint exists")
	return p
}

// TestLazyCheckpointsWriteAtMostOncePerInterval: under a steady stream of moves the store is
// written about once per interval, not once per move, and flush writes the last position.
func TestLazyCheckpointsWriteAtMostOncePerInterval(t *testing.T) {
	ctx := context.Background()
	const interval = 20 * time.Millisecond
	l, inner := newLazy(t, interval)
	const name = "outbox:default"
	pos, err := l.Load(ctx, name, 0, 0)
	require.NoError(t, err)
	require.Zero(t, pos)

	began := time.Now()
	moves := 0
	for time.Since(began) < 300*time.Millisecond {
		ok, err := l.Move(ctx, name, pos, pos+1, 0)
		require.NoError(t, err)
		require.True(t, ok)
		pos++
		moves++
		time.Sleep(200 * time.Microsecond)
	}
	elapsed := time.Since(began)
	writes := inner.moves.Load()
	t.Logf("%d moves in %v: %d writes", moves, elapsed, writes)
	assert.LessOrEqual(t, writes, int64(elapsed/interval)+2, "at most about one write per interval")
	assert.Less(t, writes, int64(moves), "fewer writes than moves")

	require.NoError(t, l.flush(ctx))
	assert.Equal(t, pos, storedPosition(t, inner, name), "flush stores the last position")
	before := inner.moves.Load()
	require.NoError(t, l.flush(ctx))
	assert.Equal(t, before, inner.moves.Load(), "a flush with nothing pending writes nothing")
}

// TestLazyCheckpointsPendingMoveStoredByTimer: a single move reaches the store within about an
// interval without any further call.
func TestLazyCheckpointsPendingMoveStoredByTimer(t *testing.T) {
	ctx := context.Background()
	l, inner := newLazy(t, 10*time.Millisecond)
	const name = "outbox:timer"
	_, err := l.Load(ctx, name, 3, 0)
	require.NoError(t, err)
	ok, err := l.Move(ctx, name, 3, 9, 0)
	require.NoError(t, err)
	require.True(t, ok)
	require.Eventually(t, func() bool { return storedPosition(t, inner, name) == 9 }, time.Minute, time.Millisecond,
		"the timer stores the pending move")
}

// TestLazyCheckpointsRefusedMove: a stored move the store refuses (someone reset the checkpoint)
// makes the next Move report false, and a Load afterwards returns the reset position.
func TestLazyCheckpointsRefusedMove(t *testing.T) {
	ctx := context.Background()
	l, inner := newLazy(t, time.Hour)
	const name = "outbox:reset"
	_, err := l.Load(ctx, name, 0, 0)
	require.NoError(t, err)
	ok, err := l.Move(ctx, name, 0, 5, 0)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, l.flush(ctx))
	require.Equal(t, int64(5), storedPosition(t, inner, name))

	ok, err = l.Move(ctx, name, 5, 8, 0) // pending: the store still holds 5
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, inner.Reset(ctx, name, 2)) // an operator resets the checkpoint
	require.NoError(t, l.flush(ctx))              // the store refuses 5 -> 8
	assert.Equal(t, int64(2), storedPosition(t, inner, name), "the refused move changed nothing")

	ok, err = l.Move(ctx, name, 8, 10, 0)
	require.NoError(t, err)
	assert.False(t, ok, "the move after a refused one reports false")
	pos, err := l.Load(ctx, name, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(2), pos, "a Load afterwards returns the reset position")
	ok, err = l.Move(ctx, name, 2, 4, 0)
	require.NoError(t, err)
	assert.True(t, ok, "moves go on from the reloaded position")
}

// TestLazyCheckpointsTimerRefusal: a move the timer's write finds refused shows in the next Move
// as well.
func TestLazyCheckpointsTimerRefusal(t *testing.T) {
	ctx := context.Background()
	l, inner := newLazy(t, 10*time.Millisecond)
	const name = "outbox:fenced"
	_, err := l.Load(ctx, name, 0, 1)
	require.NoError(t, err)
	_, err = inner.Load(ctx, name, 0, 2) // a newer lease holder loads the checkpoint
	require.NoError(t, err)
	ok, err := l.Move(ctx, name, 0, 4, 1)
	require.NoError(t, err)
	require.True(t, ok, "the move is kept in memory")
	require.Eventually(t, func() bool { return inner.moves.Load() >= 1 }, time.Minute, time.Millisecond, "the timer tried to store it")
	require.Eventually(t, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.timer == nil
	}, time.Minute, time.Millisecond)
	ok, err = l.Move(ctx, name, 4, 6, 1)
	require.NoError(t, err)
	assert.False(t, ok, "the fenced-out runner learns it at its next move")
	assert.Zero(t, storedPosition(t, inner, name))
}

// TestLazyCheckpointsPositionSeesAnIdleReset: while no move is pending, Position asks the
// store, so a runner that is caught up notices a reset made past it (by an operator, or
// another process) without waiting for a new event.
func TestLazyCheckpointsPositionSeesAnIdleReset(t *testing.T) {
	ctx := context.Background()
	l, inner := newLazy(t, time.Hour)
	const name = "outbox:idle"
	_, err := l.Load(ctx, name, 0, 0)
	require.NoError(t, err)
	ok, err := l.Move(ctx, name, 0, 7, 0)
	require.NoError(t, err)
	require.True(t, ok)
	p, found, err := l.Position(ctx, name)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, int64(7), p, "a pending move is the position the runner reached")

	require.NoError(t, l.flush(ctx))
	require.NoError(t, inner.Reset(ctx, name, 1))
	p, found, err = l.Position(ctx, name)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, int64(1), p, "nothing pending: the store's position, reset")
}
