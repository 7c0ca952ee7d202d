package projection_test

import (
	"context"
	"errors"
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

func recording(name string, c *calls, fail func(e es.Envelope) error) projection.Projection {
	return projection.FunctionProjection(name, func(_ context.Context, e es.Envelope) error {
		c.add(e.EventID)
		if fail != nil {
			return fail(e)
		}
		return nil
	})
}

func TestStartStopIdempotent(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "o-1", 0, 3)
	var c calls
	logs := testkit.NewLogRecorder()
	r := newRunner(t, recording("v", &c, nil), store, fast(logs)...)
	require.NoError(t, r.Stop(context.Background()), "Stop before Start does nothing")
	startCtx, cancel := context.WithTimeout(context.Background(), time.Second)
	require.NoError(t, r.Start(startCtx))
	require.NoError(t, r.Start(startCtx), "a second Start does nothing")
	cancel() // Start's context bounds the start only
	eventually(t, "3 events", func() bool { return c.len() == 3 })
	place(t, store, "o-1", 3, 2)
	eventually(t, "the runner to outlive Start's context", func() bool { return c.len() == 5 })
	assert.True(t, status(t, r).Running)
	require.NoError(t, r.Stop(context.Background()))
	require.NoError(t, r.Stop(context.Background()))
	st := status(t, r)
	assert.False(t, st.Running)
	assert.False(t, st.Active)
	err := r.Run(canceled())
	require.NoError(t, err, "Run with an ended context returns at once")

	require.NoError(t, r.Start(context.Background()), "a stopped runner starts again")
	place(t, store, "o-1", 5, 1)
	eventually(t, "the restarted runner", func() bool { return c.len() == 6 })
	require.ErrorIs(t, r.Run(context.Background()), projection.ErrRunning)
	assert.Len(t, c.list(), 6, "the private checkpoint survives a restart of the runner")
	assert.Zero(t, logs.Count("projection_checkpoints_in_memory"), "no warning over a memory store")
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestRunBlocksUntilContextEndsOrStop(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "o-1", 0, 2)
	var c calls
	r := newRunner(t, recording("v", &c, nil), store, fast(testkit.NewLogRecorder())...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	eventually(t, "2 events", func() bool { return c.len() == 2 })
	assert.True(t, status(t, r).Running)
	cancel()
	require.NoError(t, <-done)
	assert.False(t, status(t, r).Running)

	go func() { done <- r.Run(context.Background()) }()
	eventually(t, "Run to start", func() bool { return status(t, r).Running })
	require.NoError(t, r.Stop(context.Background()))
	require.NoError(t, <-done)
}

func TestStopWaitsForTheBatchInFlight(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "o-1", 0, 3)
	entered, release := make(chan struct{}), make(chan struct{})
	var handled atomic.Int32
	p := projection.FunctionProjection("v", func(ctx context.Context, e es.Envelope) error {
		if e.Sequence == 2 {
			close(entered)
			<-release
		}
		handled.Add(1)
		return nil
	})
	checkpoints := memory.NewCheckpointStore()
	r := newRunner(t, p, store, append(fast(testkit.NewLogRecorder()), projection.WithCheckpoints(checkpoints))...)
	require.NoError(t, r.Start(context.Background()))
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- r.Stop(context.Background()) }()
	select {
	case <-stopped:
		t.Fatal("Stop returned while a batch was in flight")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	require.NoError(t, <-stopped)
	assert.Equal(t, int32(3), handled.Load(), "the batch finished")
	p3, _, err := checkpoints.Position(context.Background(), "v")
	require.NoError(t, err)
	assert.Equal(t, int64(3), p3, "and committed")
}

func TestStopDeadlineAbandonsTheBatch(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "o-1", 0, 3)
	entered := make(chan struct{})
	var sawCancel atomic.Bool
	p := projection.FunctionProjection("v", func(ctx context.Context, e es.Envelope) error {
		if e.Sequence == 2 && !sawCancel.Load() {
			close(entered)
			<-ctx.Done()
			sawCancel.Store(true)
			return ctx.Err()
		}
		return nil
	})
	checkpoints := memory.NewCheckpointStore()
	logs := testkit.NewLogRecorder()
	r := newRunner(t, p, store, append(fast(logs), projection.WithCheckpoints(checkpoints))...)
	require.NoError(t, r.Start(context.Background()))
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := r.Stop(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "abandoned")
	eventually(t, "the runner to exit", func() bool { return !status(t, r).Running })
	assert.True(t, sawCancel.Load(), "the handler's context was cancelled")
	pos, _, err := checkpoints.Position(context.Background(), "v")
	require.NoError(t, err)
	assert.Zero(t, pos, "the abandoned batch rolled back")
	assert.Zero(t, logs.Count("projection_event_failed"), "an abandoned batch is not a failure")
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "the restarted runner to apply everything", func() bool {
		p, _, _ := checkpoints.Position(context.Background(), "v")
		return p == 3
	})
}

// TestFailingTwiceAtLeastOnce: without a transactional checkpoint store, a handler failing
// twice on one event: every event in order, that one three times, the others once.
func TestFailingTwiceAtLeastOnce(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "o-1", 0, 10)
	stream := readAll(t, store)
	failing := stream[5].EventID
	var c calls
	var fails atomic.Int32
	p := recording("v", &c, func(e es.Envelope) error {
		if e.EventID == failing && fails.Add(1) <= 2 {
			return errors.New("transient")
		}
		return nil
	})
	logs := testkit.NewLogRecorder()
	r := newRunner(t, p, store, append(fast(logs), projection.WithBatchSize(4))...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "every event", func() bool { return status(t, r).Position == 10 })
	require.NoError(t, r.Stop(context.Background()))
	want := []string{}
	for i, e := range stream {
		want = append(want, e.EventID)
		if i == 5 {
			want = append(want, e.EventID, e.EventID)
		}
	}
	assert.Equal(t, want, c.list(), "in order; the failing event 3 times, the others once")
	assert.Equal(t, 2, logs.Count("projection_event_failed"))
}

func TestPanickingHandlerIsAFailure(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "o-1", 0, 3)
	var panics atomic.Int32
	var c calls
	p := recording("v", &c, func(e es.Envelope) error {
		if e.Sequence == 2 && panics.Add(1) == 1 {
			panic("handler bug")
		}
		return nil
	})
	logs := testkit.NewLogRecorder()
	r := newRunner(t, p, store, append(fast(logs), projection.WithCheckpoints(memory.NewCheckpointStore()))...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "every event", func() bool { return status(t, r).Position == 3 })
	assert.Equal(t, 1, logs.Count("projection_handler_panicked"))
	st := status(t, r)
	require.Error(t, st.LastError)
	assert.Contains(t, st.LastError.Error(), "handler bug")
}

func TestWarnsAboutInMemoryCheckpointsOverADurableStore(t *testing.T) {
	logs := testkit.NewLogRecorder()
	r := newRunner(t, projection.FunctionProjection("v", noop), hidden{memory.NewEventStore()}, fast(logs)...)
	require.NoError(t, r.Start(context.Background()))
	require.NoError(t, r.Start(context.Background()))
	assert.Equal(t, 1, logs.Count("projection_checkpoints_in_memory"), "once per start:\n%s", logs)
	logs2 := testkit.NewLogRecorder()
	r2 := newRunner(t, projection.FunctionProjection("v", noop), hidden{memory.NewEventStore()},
		append(fast(logs2), projection.WithCheckpoints(memory.NewCheckpointStore()))...)
	require.NoError(t, r2.Start(context.Background()))
	assert.Zero(t, logs2.Count("projection_checkpoints_in_memory"), "a checkpoint store was given")
}

func TestStartFromLatestReadsTheStoreAtStart(t *testing.T) {
	failing := &failingStore{EventStore: memory.NewEventStore(), err: errors.New("store down")}
	r := newRunner(t, projection.FunctionProjection("v", noop), failing,
		append(fast(testkit.NewLogRecorder()), projection.WithStartFrom(projection.StartLatest))...)
	err := r.Start(context.Background())
	require.ErrorIs(t, err, failing.err)
	assert.Contains(t, err.Error(), "start from latest")
	assert.False(t, status2(r).Running)
}

func status2(r *projection.Runner) projection.Status {
	st, _ := r.Status(context.Background())
	return st
}

// failingStore fails LastPosition.
type failingStore struct {
	es.EventStore
	err error
}

func (f *failingStore) LastPosition(context.Context) (int64, error) { return 0, f.err }

func TestStoreFailuresBackOffAndRecover(t *testing.T) {
	inner := memory.NewEventStore()
	place(t, inner, "o-1", 0, 3)
	flaky := &flakyStore{EventStore: inner}
	flaky.failures.Store(3)
	var c calls
	logs := testkit.NewLogRecorder()
	r := newRunner(t, recording("v", &c, nil), flaky, fast(logs)...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "every event", func() bool { return c.len() == 3 })
	assert.Equal(t, 3, logs.Count("projection_runner_failed"))
	st := status(t, r)
	require.ErrorIs(t, st.LastError, errFlaky)
	assert.Contains(t, st.LastError.Error(), "read the stream after position 0")
}

var errFlaky = errors.New("connection reset")

// flakyStore fails its next ReadAll calls.
type flakyStore struct {
	es.EventStore
	failures atomic.Int32
}

func (f *flakyStore) ReadAll(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	if f.failures.Add(-1) >= 0 {
		return nil, errFlaky
	}
	return f.EventStore.ReadAll(ctx, after, limit)
}

func (f *flakyStore) Unwrap() es.EventStore { return f.EventStore }
