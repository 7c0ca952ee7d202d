package testkit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// ReadModel is a read model in the checkpoint store's database for the runner suite: its writes
// go through the transaction in the context (the checkpoint's), so they commit or roll back with
// the checkpoint.
type ReadModel interface {
	// Record writes one row for e, tagged with the writer's name.
	Record(ctx context.Context, e es.Envelope, writer string) error
	// Rows returns the committed rows in the order they were written.
	Rows(ctx context.Context) ([]ReadModelRow, error)
	// Clear deletes every row.
	Clear(ctx context.Context) error
}

// ReadModelRow is one row of a [ReadModel].
type ReadModelRow struct {
	Position    int64
	EventID     string
	AggregateID string
	Sequence    int64
	Writer      string
}

// ProjectionStores are the stores one process of the runner suite uses: one connection pool on
// the test's database.
type ProjectionStores struct {
	Events      es.EventStore
	Checkpoints projection.CheckpointStore
	Lease       projection.Lease
	DeadLetters projection.DeadLetterStore
	ReadModel   ReadModel
	// Kill ends the pool as a crashed process loses its connections, without stopping anything:
	// nothing is written through these stores afterwards.
	Kill func()
	// Corrupt, when set, writes value over column ("metadata" or "payload") of the stored event
	// eventID, as [Features.Corrupt] does: Events then cannot decode that event. A store that can
	// hold no such event (memory) leaves it nil, and the case that needs one is skipped.
	Corrupt func(t *testing.T, eventID, column, value string)
}

// ProjectionBackend prepares one empty database for a test and returns how to open stores on it
// through a new pool, as another process would.
type ProjectionBackend func(t *testing.T) (open func(t *testing.T) ProjectionStores)

// ProjectionRunnerTest is one named case of the runner suite.
type ProjectionRunnerTest = Case[ProjectionBackend]

// ProjectionRunnerTests returns the cases of the runner suite, in the order
// [RunProjectionRunnerSuite] runs them.
func ProjectionRunnerTests() []ProjectionRunnerTest {
	return []ProjectionRunnerTest{
		{"RestartResumesFromCheckpoint", testRunnerRestart},
		{"FullPagesBackToBack", testRunnerFullPages},
		{"HandlerFailsTwice", testRunnerFailsTwice},
		{"ExactlyOnceWithRandomFailures", testRunnerExactlyOnce},
		{"TakeoverAfterCrash", testRunnerTakeover},
		{"FencedAfterLeaseLoss", testRunnerFenced},
		{"SoakConcurrentWriters", testRunnerSoak},
		{"ResetRebuilds", testRunnerReset},
		{"DeadLetters", testRunnerDeadLetters},
		{"UndecodableEventParked", testRunnerUndecodable},
		{"RetriesRequestedDeadLetters", testRunnerRetriesRequestedDeadLetters},
		{"DeadLetterPolicyParkAggregate", testRunnerParkAggregate},
		{"DeadLetterPolicyParkAggregateRefails", testRunnerParkAggregateRefailing},
		{"DeadLetterPolicyPause", testRunnerPause},
		{"DeadLetterPolicyRetry", testRunnerRetryPolicy},
		{"DeadLetterSkipAndRetryAll", testRunnerSkipAndRetryAll},
		{"StartFromLatest", testRunnerStartLatest},
		{"WakesOnCommit", testRunnerWakesOnCommit},
	}
}

// RunProjectionRunnerSuite runs every case of [ProjectionRunnerTests] as a subtest named after
// it: the acceptance suite of projection runners over one backend.
func RunProjectionRunnerSuite(t *testing.T, backend ProjectionBackend) {
	t.Helper()
	runCases(t, ProjectionRunnerTests(), backend)
}

// recorder is a projection that records each event in the read model and counts its calls.
type recorder struct {
	name   string
	writer string
	rm     ReadModel
	before func(e es.Envelope) error // runs before the write; an error fails the event
	after  func(e es.Envelope) error // runs after the write; an error fails the event
	mu     sync.Mutex
	calls  map[string]int
}

func (p *recorder) Name() string { return p.name }

func (p *recorder) Handle(ctx context.Context, e es.Envelope) error {
	p.mu.Lock()
	if p.calls == nil {
		p.calls = map[string]int{}
	}
	p.calls[e.EventID]++
	p.mu.Unlock()
	if p.before != nil {
		if err := p.before(e); err != nil {
			return err
		}
	}
	if err := p.rm.Record(ctx, e, p.writer); err != nil {
		return err
	}
	if p.after != nil {
		return p.after(e)
	}
	return nil
}

func (p *recorder) callsOf(eventID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[eventID]
}

// suiteRunner builds a runner with the suite's fast settings, started, and stopped at cleanup.
// suitePollInterval is the poll interval of the suite's runners, unless a case sets its own.
const suitePollInterval = 50 * time.Millisecond

func suiteRunner(t *testing.T, p projection.Projection, s ProjectionStores, logs *LogRecorder, opts ...projection.Option) *projection.Runner {
	t.Helper()
	base := []projection.Option{
		projection.WithCheckpoints(s.Checkpoints),
		projection.WithPollInterval(suitePollInterval),
		projection.WithRetry(2*time.Millisecond, 20*time.Millisecond),
		projection.WithLogger(logs.Logger()),
	}
	r, err := projection.NewRunner(p, s.Events, append(base, opts...)...)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, r.Stop(ctx))
	})
	return r
}

// appendEvents appends n events to aggregate id after version from, in appends of up to 7.
func appendEvents(t *testing.T, s es.EventStore, id string, from, n int) {
	t.Helper()
	for done := 0; done < n; {
		k := min(7, n-done)
		require.NoError(t, s.Append(context.Background(), id, "Order", int64(from+done), Envelopes(t, "OrderPlaced", from+done+1, k)))
		done += k
	}
}

// readAll returns the whole stream.
func readAll(tb testing.TB, s es.EventStore) []es.Envelope {
	tb.Helper()
	var out []es.Envelope
	var after int64
	for {
		page, err := s.ReadAll(context.Background(), after, 500)
		require.NoError(tb, err)
		out = append(out, page...)
		if len(page) < 500 {
			return out
		}
		after = page[len(page)-1].GlobalPosition
	}
}

// waitFor is [WaitFor] with a message that says what was awaited, computed only on failure.
func waitFor(t *testing.T, timeout time.Duration, what func() string, cond func() bool) {
	t.Helper()
	WaitFor(t, timeout, cond, "for %s", lazyText(what))
}

func rows(t *testing.T, rm ReadModel) []ReadModelRow {
	t.Helper()
	r, err := rm.Rows(context.Background())
	require.NoError(t, err)
	return r
}

// waitRows waits until the read model has n rows.
func waitRows(t *testing.T, rm ReadModel, n int, timeout time.Duration, logs *LogRecorder) []ReadModelRow {
	t.Helper()
	var got []ReadModelRow
	waitFor(t, timeout, func() string {
		return fmt.Sprintf("%d read-model rows, have %d; log:\n%s", n, len(got), logs)
	}, func() bool {
		got = rows(t, rm)
		return len(got) >= n
	})
	return got
}

// requireExactlyOnce checks that the rows are the stream's events, each once, in stream order.
func requireExactlyOnce(t *testing.T, got []ReadModelRow, stream []es.Envelope) {
	t.Helper()
	require.Len(t, got, len(stream), "one row per event")
	for i, e := range stream {
		require.Equal(t, e.EventID, got[i].EventID, "row %d: the events in stream order, each once", i)
		require.Equal(t, e.GlobalPosition, got[i].Position, "row %d", i)
	}
}

func testRunnerRestart(t *testing.T, backend ProjectionBackend) {
	open := backend(t)
	s := open(t)
	logs := NewLogRecorder()
	appendEvents(t, s.Events, "order-1", 0, 10)
	p1 := &recorder{name: "restart_view", writer: "first", rm: s.ReadModel}
	r1, err := projection.NewRunner(p1, s.Events, projection.WithCheckpoints(s.Checkpoints),
		projection.WithPollInterval(20*time.Millisecond), projection.WithLogger(logs.Logger()))
	require.NoError(t, err)
	require.NoError(t, r1.Start(context.Background()))
	waitRows(t, s.ReadModel, 10, 20*time.Second, logs)
	require.NoError(t, r1.Stop(context.Background()))
	require.NoError(t, r1.Stop(context.Background()), "Stop is idempotent")

	appendEvents(t, s.Events, "order-1", 10, 5)
	s2 := open(t) // a restarted process
	p2 := &recorder{name: "restart_view", writer: "second", rm: s2.ReadModel}
	suiteRunner(t, p2, s2, logs)
	got := waitRows(t, s2.ReadModel, 15, 20*time.Second, logs)
	stream := readAll(t, s2.Events)
	requireExactlyOnce(t, got, stream)
	for i, row := range got {
		want := "first"
		if i >= 10 {
			want = "second"
		}
		assert.Equal(t, want, row.Writer, "row %d", i)
	}
	for _, e := range stream[:10] {
		assert.Zero(t, p2.callsOf(e.EventID), "the restarted runner handles only the events appended after the stop")
	}
}

// countingStore counts ReadAll calls and their limits.
type countingStore struct {
	es.EventStore
	mu     sync.Mutex
	limits []int
	sizes  []int
}

func (c *countingStore) ReadAll(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	out, err := c.EventStore.ReadAll(ctx, after, limit)
	c.mu.Lock()
	c.limits = append(c.limits, limit)
	c.sizes = append(c.sizes, len(out))
	c.mu.Unlock()
	return out, err
}

func (c *countingStore) Unwrap() es.EventStore { return c.EventStore }

func (c *countingStore) reads() ([]int, []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.limits...), append([]int(nil), c.sizes...)
}

func testRunnerFullPages(t *testing.T, backend ProjectionBackend) {
	open := backend(t)
	s := open(t)
	logs := NewLogRecorder()
	for i := range 10 {
		appendEvents(t, s.Events, fmt.Sprintf("order-%d", i), 0, 50)
	}
	counting := &countingStore{EventStore: s.Events}
	s.Events = counting
	p := &recorder{name: "pages_view", writer: "w", rm: s.ReadModel}
	began := time.Now()
	// Every event is in the stream before the runner starts and the poll interval outlasts the
	// test: all 500 rows arrive only if each full page is followed by the next read at once, on
	// any machine. A runner that waited a poll interval after a full page times out here.
	r := suiteRunner(t, p, s, logs, projection.WithBatchSize(40), projection.WithPollInterval(time.Hour))
	waitRows(t, s.ReadModel, 500, 30*time.Second, logs)
	elapsed := time.Since(began)
	require.NoError(t, r.Stop(context.Background()))
	limits, sizes := counting.reads()
	t.Logf("500 events at batch 40, poll 1 h: %v, %d reads, sizes %v", elapsed, len(limits), sizes)
	require.GreaterOrEqual(t, len(sizes), 13)
	for i, l := range limits {
		assert.Equal(t, 40, l, "read %d asks for the batch size", i)
	}
	for i := range 12 {
		assert.Equal(t, 40, sizes[i], "read %d is a full page", i)
	}
	assert.Equal(t, 20, sizes[12], "then the rest")
	requireExactlyOnce(t, rows(t, s.ReadModel), readAll(t, s.Events))
}

func testRunnerFailsTwice(t *testing.T, backend ProjectionBackend) {
	open := backend(t)
	s := open(t)
	logs := NewLogRecorder()
	appendEvents(t, s.Events, "order-1", 0, 10)
	stream := readAll(t, s.Events)
	failing := stream[5].EventID
	transient := errors.New("transient failure")
	var mu sync.Mutex
	failures := 0
	p := &recorder{name: "fails_twice_view", writer: "w", rm: s.ReadModel, before: func(e es.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		if e.EventID == failing && failures < 2 {
			failures++
			return transient
		}
		return nil
	}}
	r := suiteRunner(t, p, s, logs, projection.WithBatchSize(4))
	got := waitRows(t, s.ReadModel, 10, 20*time.Second, logs)
	requireExactlyOnce(t, got, stream)
	assert.Equal(t, 3, p.callsOf(failing), "the failing event: twice failed, then applied")
	for i, e := range stream {
		if i >= 4 && i < 8 {
			// 5 is the second event of its batch: its transaction rolled back event 4, which was
			// applied again alone. Its row is there once (above); its handler ran once per attempt.
			continue
		}
		assert.Equal(t, 1, p.callsOf(e.EventID), "event %d is handled once", i)
	}
	assert.Equal(t, 2, logs.Count("projection_event_failed"), "each failure is logged:\n%s", logs)
	// The rows show once the batch that applied the failing event committed, with the
	// checkpoint: from then on the status no longer reports the event as failing, even before
	// the runner forgets the failure.
	st, err := r.Status(context.Background())
	require.NoError(t, err)
	require.ErrorIs(t, st.LastError, transient, "the last error stays visible")
	assert.Zero(t, st.Attempts, "nothing is failing now")
	assert.Zero(t, st.FailingPosition)
	assert.Equal(t, stream[9].GlobalPosition, st.Position)
	assert.Zero(t, st.Lag)
	assert.True(t, st.Active)
	assert.True(t, st.Running)
}

func testRunnerExactlyOnce(t *testing.T, backend ProjectionBackend) {
	open := backend(t)
	s := open(t)
	logs := NewLogRecorder()
	for i := range 8 {
		appendEvents(t, s.Events, fmt.Sprintf("order-%d", i), 0, 25)
	}
	stream := readAll(t, s.Events)
	rng := rand.New(rand.NewPCG(1, 2))
	var mu sync.Mutex
	fails := 0
	p := &recorder{name: "exactly_once_view", writer: "w", rm: s.ReadModel, after: func(e es.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		if rng.IntN(10) < 3 {
			fails++
			return fmt.Errorf("random failure after writing event %s", e.EventID)
		}
		return nil
	}}
	r := suiteRunner(t, p, s, logs, projection.WithBatchSize(16), projection.WithRetry(time.Millisecond, 4*time.Millisecond))
	waitFor(t, 60*time.Second, func() string { return "the runner to catch up" }, func() bool {
		st, err := r.Status(context.Background())
		require.NoError(t, err)
		return st.Position == stream[len(stream)-1].GlobalPosition
	})
	mu.Lock()
	t.Logf("%d events, %d handler failures after writing", len(stream), fails)
	assert.Greater(t, fails, 20)
	mu.Unlock()
	requireExactlyOnce(t, rows(t, s.ReadModel), stream)
}

func testRunnerTakeover(t *testing.T, backend ProjectionBackend) {
	const ttl = 1500 * time.Millisecond
	open := backend(t)
	w, a, b := open(t), open(t), open(t)
	logs := NewLogRecorder()
	appendEvents(t, w.Events, "order-1", 0, 50)
	leaseOpts := func(l projection.Lease, owner string) []projection.Option {
		return []projection.Option{projection.WithLease(l), projection.WithLeaseTTL(ttl), projection.WithOwner(owner), projection.WithBatchSize(10)}
	}
	optsA, optsB := leaseOpts(a.Lease, "process-a"), leaseOpts(b.Lease, "process-b")
	ra := suiteRunner(t, &recorder{name: "takeover_view", writer: "a", rm: a.ReadModel}, a, logs, optsA...)
	waitFor(t, 10*time.Second, func() string { return "runner a to acquire the lease" }, func() bool {
		st, err := ra.Status(context.Background())
		require.NoError(t, err)
		return st.Active
	})
	rb := suiteRunner(t, &recorder{name: "takeover_view", writer: "b", rm: b.ReadModel}, b, logs, optsB...)
	waitRows(t, w.ReadModel, 50, 20*time.Second, logs)
	stB, err := rb.Status(context.Background())
	require.NoError(t, err)
	assert.True(t, stB.Running)
	assert.False(t, stB.Active, "b stands by while a holds the lease")

	a.Kill()
	killed := time.Now()
	appendEvents(t, w.Events, "order-1", 50, 50)
	waitFor(t, ttl+5*time.Second, func() string { return "runner b to take over" }, func() bool {
		st, err := rb.Status(context.Background())
		require.NoError(t, err)
		return st.Active
	})
	takeover := time.Since(killed)
	t.Logf("b took over %v after a died (lease ttl %v)", takeover, ttl)
	// b takes over once a's last extension runs out (at most ttl after the kill) and its next
	// standby attempt comes (every min(poll, ttl/3) = standby). The margin covers scheduling, a
	// store round trip and this test's polling on a loaded machine under -race; it stays below the
	// TTL, so a runner that waited out a second TTL before taking over still fails.
	const standby, margin = suitePollInterval, 1250 * time.Millisecond
	assert.Less(t, takeover, ttl+standby+margin, "within the lease's time to live (plus one standby interval and a margin)")
	byA := func(rs []ReadModelRow) int { return countWriter(rs, "a") }
	aAtTakeover := byA(rows(t, w.ReadModel))
	got := waitRows(t, w.ReadModel, 100, 20*time.Second, logs)
	requireExactlyOnce(t, got, readAll(t, w.Events))
	assert.Equal(t, aAtTakeover, byA(got), "the killed runner writes nothing more")
	assert.GreaterOrEqual(t, aAtTakeover, 50, "a applied the first events")
	for i := 1; i < len(got); i++ {
		if got[i-1].Writer == "b" {
			assert.Equal(t, "b", got[i].Writer, "row %d: after b took over, only b writes", i)
		}
	}
}

func testRunnerSoak(t *testing.T, backend ProjectionBackend) {
	const writers, aggregates, perAggregate = 4, 3, 20
	open := backend(t)
	s := open(t)
	logs := NewLogRecorder()
	r := suiteRunner(t, &recorder{name: "soak_view", writer: "w", rm: s.ReadModel}, s, logs, projection.WithBatchSize(25),
		projection.WithPollInterval(10*time.Millisecond))
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for wr := range writers {
		ws := open(t)
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(wr), 7))
			versions := make([]int, aggregates)
			for {
				var open []int
				for a, v := range versions {
					if v < perAggregate {
						open = append(open, a)
					}
				}
				if len(open) == 0 {
					return
				}
				a := open[rng.IntN(len(open))]
				k := min(1+rng.IntN(3), perAggregate-versions[a])
				evs := make([]es.Envelope, k)
				for i := range evs {
					e, err := es.NewEnvelope(suiteEvent{N: versions[a] + i + 1})
					if err != nil {
						errs[wr] = err
						return
					}
					evs[i] = e
				}
				if err := ws.Events.Append(context.Background(), fmt.Sprintf("w%d-agg%d", wr, a), "Order", int64(versions[a]), evs); err != nil {
					errs[wr] = err
					return
				}
				versions[a] += k
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	total := writers * aggregates * perAggregate
	got := waitRows(t, s.ReadModel, total, 60*time.Second, logs)
	stream := readAll(t, s.Events)
	require.Len(t, stream, total)
	requireExactlyOnce(t, got, stream)
	next := map[string]int64{}
	for i, row := range got {
		next[row.AggregateID]++
		require.Equal(t, next[row.AggregateID], row.Sequence, "row %d: each aggregate in sequence order", i)
		if i > 0 {
			require.Greater(t, row.Position, got[i-1].Position, "row %d: positions increase", i)
		}
	}
	require.Len(t, next, writers*aggregates)
	st := waitStatus(t, r, "the status reaches the last event", func(st projection.Status) bool {
		return st.Position == stream[total-1].GlobalPosition
	})
	assert.Zero(t, st.Lag)
}

func testRunnerReset(t *testing.T, backend ProjectionBackend) {
	open := backend(t)
	s := open(t)
	logs := NewLogRecorder()
	appendEvents(t, s.Events, "order-1", 0, 20)
	stream := readAll(t, s.Events)
	p := &recorder{name: "reset_view", writer: "w", rm: s.ReadModel}
	r := suiteRunner(t, p, s, logs, projection.WithBatchSize(7))
	waitRows(t, s.ReadModel, 20, 20*time.Second, logs)
	ctx := context.Background()
	assert.ErrorIs(t, r.Reset(ctx, -1), es.ErrInvalidArgument)
	assert.ErrorIs(t, r.Reset(ctx, stream[19].GlobalPosition+1_000_000), es.ErrInvalidArgument, "a position not on the stream")
	tx := transactorOf(t, s.Checkpoints)
	require.NoError(t, tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.ReadModel.Clear(ctx); err != nil {
			return err
		}
		return r.Reset(ctx, 0)
	}))
	waitRows(t, s.ReadModel, 20, 20*time.Second, logs)
	waitFor(t, 10*time.Second, func() string { return "the rebuild to finish" }, func() bool {
		st, err := r.Status(ctx)
		require.NoError(t, err)
		return st.Position == stream[19].GlobalPosition
	})
	requireExactlyOnce(t, rows(t, s.ReadModel), stream)
	for _, e := range stream {
		assert.Equal(t, 2, p.callsOf(e.EventID), "rebuilt: each event applied again once")
	}
	require.NoError(t, tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.ReadModel.Clear(ctx); err != nil {
			return err
		}
		return r.Reset(ctx, stream[9].GlobalPosition)
	}))
	got := waitRows(t, s.ReadModel, 10, 20*time.Second, logs)
	requireExactlyOnce(t, got, stream[10:])
}

func testRunnerDeadLetters(t *testing.T, backend ProjectionBackend) {
	open := backend(t)
	s := open(t)
	logs := NewLogRecorder()
	appendEvents(t, s.Events, "order-1", 0, 10)
	stream := readAll(t, s.Events)
	poison := stream[3]
	p := &recorder{name: "dead_letter_view", writer: "w", rm: s.ReadModel, after: func(e es.Envelope) error {
		if e.EventID == poison.EventID {
			return errors.New("poison \x00 event \xff")
		}
		return nil
	}}
	r := suiteRunner(t, p, s, logs, projection.WithBatchSize(5), projection.WithDeadLetters(s.DeadLetters, 3))
	got := waitRows(t, s.ReadModel, 9, 20*time.Second, logs)
	requireExactlyOnce(t, got, append(append([]es.Envelope(nil), stream[:3]...), stream[4:]...))
	assert.Equal(t, 3, p.callsOf(poison.EventID), "parked after 3 attempts")
	letters, err := r.DeadLetters(context.Background(), 0, 10)
	require.NoError(t, err)
	require.Len(t, letters, 1)
	assert.Equal(t, poison.EventID, letters[0].Event.EventID)
	assert.Equal(t, poison.GlobalPosition, letters[0].Event.GlobalPosition)
	assert.Equal(t, 3, letters[0].Attempts)
	assert.Contains(t, letters[0].Error, "poison")
	assert.True(t, poison.Equal(letters[0].Event))
	st := waitStatus(t, r, "the status reaches the last event", func(st projection.Status) bool {
		return st.Position == stream[9].GlobalPosition
	})
	assert.Equal(t, int64(1), st.DeadLetters)
	assert.Equal(t, stream[9].GlobalPosition, st.Position)
	assert.Equal(t, 1, logs.Count("projection_event_parked"))
}

func testRunnerStartLatest(t *testing.T, backend ProjectionBackend) {
	open := backend(t)
	s := open(t)
	logs := NewLogRecorder()
	appendEvents(t, s.Events, "order-1", 0, 5)
	last, err := s.Events.LastPosition(context.Background())
	require.NoError(t, err)
	suiteRunner(t, &recorder{name: "latest_view", writer: "w", rm: s.ReadModel}, s, logs, projection.WithStartFrom(projection.StartLatest))
	waitFor(t, 10*time.Second, func() string { return "the checkpoint to be created" }, func() bool {
		p, ok, err := s.Checkpoints.Position(context.Background(), "latest_view")
		require.NoError(t, err)
		return ok && p == last
	})
	appendEvents(t, s.Events, "order-1", 5, 3)
	got := waitRows(t, s.ReadModel, 3, 20*time.Second, logs)
	requireExactlyOnce(t, got, readAll(t, s.Events)[5:])
}

func testRunnerWakesOnCommit(t *testing.T, backend ProjectionBackend) {
	open := backend(t)
	s := open(t)
	_, ok := s.Events.(es.CommitNotifier)
	require.True(t, ok, "%T must implement es.CommitNotifier: every store of this module signals commits", s.Events)
	logs := NewLogRecorder()
	suiteRunner(t, &recorder{name: "wake_view", writer: "w", rm: s.ReadModel}, s, logs, projection.WithPollInterval(time.Hour))
	waitFor(t, 10*time.Second, func() string { return "the checkpoint to be created" }, func() bool {
		_, ok, err := s.Checkpoints.Position(context.Background(), "wake_view")
		require.NoError(t, err)
		return ok
	})
	for i := range 3 {
		appendEvents(t, s.Events, "order-1", i, 1)
		waitRows(t, s.ReadModel, i+1, 20*time.Second, logs) // well before the hour-long poll interval
	}
}

// testRunnerFenced: runner a's batch outlives its lease; b takes over. Whichever way the store
// orders them (a's move first, or b's fence first), each event reaches the read model once.
func testRunnerFenced(t *testing.T, backend ProjectionBackend) {
	const ttl = 300 * time.Millisecond
	open := backend(t)
	a, b := open(t), open(t)
	logs := NewLogRecorder()
	appendEvents(t, a.Events, "order-1", 0, 20)
	release := make(chan struct{})
	var once sync.Once
	pa := &recorder{name: "fenced_view", writer: "a", rm: a.ReadModel, before: func(es.Envelope) error {
		once.Do(func() { <-release })
		return nil
	}}
	opts := func(l projection.Lease, owner string) []projection.Option {
		return []projection.Option{projection.WithLease(l), projection.WithLeaseTTL(ttl), projection.WithOwner(owner), projection.WithBatchSize(5)}
	}
	ra := suiteRunner(t, pa, a, logs, opts(a.Lease, "process-a")...)
	waitFor(t, 10*time.Second, func() string { return "runner a to acquire the lease" }, func() bool {
		st, err := ra.Status(context.Background())
		require.NoError(t, err)
		return st.Active
	})
	rb := suiteRunner(t, &recorder{name: "fenced_view", writer: "b", rm: b.ReadModel}, b, logs, opts(b.Lease, "process-b")...)
	// b takes the expired lease while a's batch is stuck, except where that batch holds the
	// database's only write lock (SQLite): there b waits for it.
	tookOver := false
	for deadline := time.Now().Add(10 * ttl); !tookOver && time.Now().Before(deadline); {
		st, err := rb.Status(context.Background())
		require.NoError(t, err)
		if tookOver = st.Active; !tookOver {
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Logf("b took the lease over while a's batch was in flight: %v", tookOver)
	time.Sleep(50 * time.Millisecond)
	close(release)
	waitRows(t, b.ReadModel, 20, 20*time.Second, logs)
	time.Sleep(100 * time.Millisecond) // room for a late duplicate to show
	got := rows(t, b.ReadModel)
	requireExactlyOnce(t, got, readAll(t, b.Events))
	t.Logf("rows by a: %d; superseded batches: %d", countWriter(got, "a"), logs.Count("projection_batch_superseded"))
	if tookOver {
		waitFor(t, 10*time.Second, func() string { return "runner a to notice it lost the lease" }, func() bool {
			st, err := ra.Status(context.Background())
			require.NoError(t, err)
			return !st.Active
		})
	}
}

func countWriter(rs []ReadModelRow, writer string) int {
	n := 0
	for _, r := range rs {
		if r.Writer == writer {
			n++
		}
	}
	return n
}
