package testkit

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
)

// policyStream appends, in turns, events of aggregates order-a and order-b (a1 a2 b1 b2 a3 a4
// a5 b3 b4 b5) and returns the stream and the events of each.
func policyStream(t *testing.T, s es.EventStore) (stream, a, b []es.Envelope) {
	t.Helper()
	appendEvents(t, s, "order-a", 0, 2)
	appendEvents(t, s, "order-b", 0, 2)
	appendEvents(t, s, "order-a", 2, 3)
	appendEvents(t, s, "order-b", 2, 3)
	stream = readAll(t, s)
	for _, e := range stream {
		if e.AggregateID == "order-a" {
			a = append(a, e)
		} else {
			b = append(b, e)
		}
	}
	return stream, a, b
}

// failingOn returns a recorder hook that fails on the event eventID while failing is set.
func failingOn(eventID string, failing *atomic.Bool) func(es.Envelope) error {
	return func(e es.Envelope) error {
		if e.EventID == eventID && failing.Load() {
			return errors.New("poison")
		}
		return nil
	}
}

// rowsOf returns the event ids of the rows of one aggregate, in the order they were written.
func rowsOf(got []ReadModelRow, aggregateID string) []string {
	var out []string
	for _, r := range got {
		if r.AggregateID == aggregateID {
			out = append(out, r.EventID)
		}
	}
	return out
}

// lastOf returns the last event of an aggregate in events (the zero Envelope when it has none).
func lastOf(events []es.Envelope, aggregateID string) es.Envelope {
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].AggregateID == aggregateID {
			return events[i]
		}
	}
	return es.Envelope{}
}

func idsOf(events []es.Envelope) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.EventID
	}
	return out
}

func waitStatus(t *testing.T, r *projection.Runner, what string, cond func(projection.Status) bool) projection.Status {
	t.Helper()
	var st projection.Status
	waitFor(t, 10*time.Second, func() string { return what }, func() bool {
		var err error
		st, err = r.Status(context.Background())
		require.NoError(t, err)
		return cond(st)
	})
	return st
}

// testRunnerParkAggregate: under park-aggregate, a poison event of aggregate A holds A's later
// events back, parked untried in order, while B's flow; A's events that come later are held as
// well. Once the poison event is retried and succeeds, the held events are applied, in order,
// each once.
func testRunnerParkAggregate(t *testing.T, backend ProjectionBackend) {
	open := backend(t)
	s := open(t)
	rs := retryStoreOf(t, s.DeadLetters)
	logs := NewLogRecorder()
	ctx := context.Background()
	_, a, b := policyStream(t, s.Events)
	poison := a[1]
	var failing atomic.Bool
	failing.Store(true)
	p := &recorder{name: "held_view", writer: "w", rm: s.ReadModel, after: failingOn(poison.EventID, &failing)}
	r := suiteRunner(t, p, s, logs, projection.WithBatchSize(3),
		projection.WithDeadLetters(s.DeadLetters, 2), projection.WithDeadLetterPolicy(es.DeadLetterParkAggregate))
	waitStatus(t, r, "every event applied or held", func(st projection.Status) bool {
		return st.Position == st.LastPosition && st.DeadLetters == 4 && st.HeldAggregates == 1
	})
	appendEvents(t, s.Events, "order-a", 5, 1) // held too
	appendEvents(t, s.Events, "order-b", 5, 1) // flows
	// Both appends are committed, but on PostgreSQL ReadAll stops at the read horizon, which a
	// transaction of the runner still open may hold below them for a moment.
	var a6, b6 es.Envelope
	waitFor(t, 10*time.Second, func() string { return "a6 and b6 readable" }, func() bool {
		a6, b6 = lastOf(readAll(t, s.Events), "order-a"), lastOf(readAll(t, s.Events), "order-b")
		return a6.Sequence == 6 && b6.Sequence == 6
	})
	got := waitRows(t, s.ReadModel, 7, 20*time.Second, logs)
	assert.Equal(t, []string{a[0].EventID}, rowsOf(got, "order-a"), "A stops at its poison event")
	assert.Equal(t, idsOf(append(b, b6)), rowsOf(got, "order-b"), "B flows")
	waitStatus(t, r, "a6 held", func(st projection.Status) bool {
		return st.Position == max(a6.GlobalPosition, b6.GlobalPosition) && st.DeadLetters == 5
	})

	letters, err := r.DeadLetters(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, letters, 5)
	assert.Equal(t, poison.EventID, letters[0].Event.EventID)
	assert.Equal(t, 2, letters[0].Attempts)
	assert.False(t, letters[0].Held())
	for i, e := range append(a[2:], a6) {
		assert.Equal(t, e.EventID, letters[i+1].Event.EventID, "held in order")
		assert.True(t, letters[i+1].Held(), "untried")
		assert.Contains(t, letters[i+1].Error, poison.EventID, "names the letter it waits behind")
		assert.Zero(t, p.callsOf(e.EventID), "never handed to the projection")
	}

	// Asking for a held letter alone does nothing: it goes in its turn.
	require.NoError(t, rs.RequestRetry(ctx, "held_view", a[2].EventID))
	waitFor(t, 10*time.Second, func() string { return "the request of a held letter to be dropped" }, func() bool {
		req, err := rs.RetryRequests(ctx, "held_view", 10)
		require.NoError(t, err)
		return len(req) == 0
	})
	assert.Zero(t, p.callsOf(a[2].EventID))

	failing.Store(false)
	require.NoError(t, rs.RequestRetry(ctx, "held_view", poison.EventID))
	got = waitRows(t, s.ReadModel, 12, 20*time.Second, logs)
	assert.Equal(t, idsOf(append(append([]es.Envelope(nil), a...), a6)), rowsOf(got, "order-a"), "A's events in order once released")
	for _, e := range append(a[2:], a6) {
		assert.Equal(t, 1, p.callsOf(e.EventID), "each held event applied once")
	}
	st := waitStatus(t, r, "the dead letters to go", func(st projection.Status) bool { return st.DeadLetters == 0 && st.HeldAggregates == 0 })
	assert.Equal(t, b6.GlobalPosition, st.Position)
	waitFor(t, 10*time.Second, func() string { return "a log record per released event" }, func() bool {
		return logs.Count("projection_held_event_released") == 4
	})

	// A's next event flows again.
	appendEvents(t, s.Events, "order-a", 6, 1)
	waitRows(t, s.ReadModel, 13, 20*time.Second, logs)
}

// testRunnerParkAggregateRefailing: a held event that fails once released is parked with its
// attempt and holds the rest; a runner that starts later finds the holds in the store.
func testRunnerParkAggregateRefailing(t *testing.T, backend ProjectionBackend) {
	open := backend(t)
	s := open(t)
	rs := retryStoreOf(t, s.DeadLetters)
	logs := NewLogRecorder()
	ctx := context.Background()
	_, a, _ := policyStream(t, s.Events)
	var first, second atomic.Bool
	first.Store(true)
	second.Store(true)
	fail := func(e es.Envelope) error {
		if (e.EventID == a[1].EventID && first.Load()) || (e.EventID == a[3].EventID && second.Load()) {
			return errors.New("poison")
		}
		return nil
	}
	opts := []projection.Option{projection.WithDeadLetters(s.DeadLetters, 1), projection.WithDeadLetterPolicy(es.DeadLetterParkAggregate)}
	p := &recorder{name: "refail_view", writer: "w", rm: s.ReadModel, after: fail}
	r := suiteRunner(t, p, s, logs, opts...)
	waitStatus(t, r, "A held", func(st projection.Status) bool { return st.Position == st.LastPosition && st.DeadLetters == 4 })
	first.Store(false)
	require.NoError(t, rs.RequestRetry(ctx, "refail_view", a[1].EventID))
	var letters []projection.DeadLetter
	waitFor(t, 10*time.Second, func() string { return "a4 to fail and hold a5" }, func() bool {
		var err error
		letters, err = r.DeadLetters(ctx, 0, 10)
		require.NoError(t, err)
		return len(letters) == 2 && !letters[0].Held()
	})
	assert.Equal(t, a[3].EventID, letters[0].Event.EventID)
	assert.Equal(t, 1, letters[0].Attempts, "released and failed: one attempt")
	assert.True(t, letters[1].Held())
	waitStatus(t, r, "A still held", func(st projection.Status) bool { return st.HeldAggregates == 1 })
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, r.Stop(stopCtx))

	// Another process: A's next event is held behind a4 as well.
	s2 := open(t)
	appendEvents(t, s2.Events, "order-a", 5, 1)
	second.Store(false)
	p2 := &recorder{name: "refail_view", writer: "w2", rm: s2.ReadModel, after: fail}
	r2 := suiteRunner(t, p2, s2, logs, projection.WithDeadLetters(s2.DeadLetters, 1), projection.WithDeadLetterPolicy(es.DeadLetterParkAggregate))
	waitStatus(t, r2, "a6 held", func(st projection.Status) bool { return st.Position == st.LastPosition && st.DeadLetters == 3 })
	assert.Zero(t, p2.callsOf(a[3].EventID))
	require.NoError(t, retryStoreOf(t, s2.DeadLetters).RequestRetry(ctx, "refail_view", a[3].EventID))
	got := waitRows(t, s2.ReadModel, 11, 20*time.Second, logs)
	all := readAll(t, s2.Events)
	assert.Equal(t, idsOf(append(append([]es.Envelope(nil), a...), all[len(all)-1])), rowsOf(got, "order-a"))
}

// testRunnerPause: under pause, the first event parked stops the runner: nothing more is
// applied, of any aggregate, until an operator's retry of the letter succeeds; then the stream
// goes on, each event once, in stream order.
func testRunnerPause(t *testing.T, backend ProjectionBackend) {
	open := backend(t)
	s := open(t)
	rs := retryStoreOf(t, s.DeadLetters)
	logs := NewLogRecorder()
	ctx := context.Background()
	stream, a, _ := policyStream(t, s.Events)
	poison := a[1]
	var failing atomic.Bool
	failing.Store(true)
	p := &recorder{name: "paused_view", writer: "w", rm: s.ReadModel, after: failingOn(poison.EventID, &failing)}
	r := suiteRunner(t, p, s, logs, projection.WithDeadLetters(s.DeadLetters, 2), projection.WithDeadLetterPolicy(es.DeadLetterPause))
	st := waitStatus(t, r, "the runner to pause", func(st projection.Status) bool { return st.Paused })
	assert.Equal(t, poison.GlobalPosition, st.Position, "parked, and nothing after it")
	assert.Equal(t, int64(1), st.DeadLetters)
	appendEvents(t, s.Events, "order-b", 5, 2)
	for range 5 { // several poll intervals: the runner must stay put
		time.Sleep(suitePollInterval)
		assert.Len(t, rows(t, s.ReadModel), 1, "paused")
	}
	st, err := r.Status(ctx)
	require.NoError(t, err)
	assert.True(t, st.Paused)
	assert.Equal(t, poison.GlobalPosition, st.Position)

	// A retry that fails again keeps it paused.
	require.NoError(t, rs.RequestRetry(ctx, "paused_view", poison.EventID))
	waitFor(t, 10*time.Second, func() string { return "the retry to fail and park the event again" }, func() bool {
		letters, err := r.DeadLetters(ctx, 0, 10)
		require.NoError(t, err)
		return len(letters) == 1 && letters[0].Attempts == 3
	})
	st = waitStatus(t, r, "still paused", func(st projection.Status) bool { return st.Paused && st.DeadLetters == 1 })
	assert.Equal(t, poison.GlobalPosition, st.Position)

	failing.Store(false)
	require.NoError(t, rs.RequestRetry(ctx, "paused_view", poison.EventID))
	all := readAll(t, s.Events)
	got := waitRows(t, s.ReadModel, len(all), 20*time.Second, logs)
	requireExactlyOnce(t, got, all)
	assert.Len(t, stream, len(all)-2)
	st = waitStatus(t, r, "resumed", func(st projection.Status) bool { return !st.Paused && st.Position == st.LastPosition })
	assert.Zero(t, st.DeadLetters)
	assert.Equal(t, 1, logs.Count("projection_paused"))
	assert.Equal(t, 1, logs.Count("projection_resumed"))
}

// testRunnerRetryPolicy: under retry, a runner with a dead-letter store never parks: the
// failing event is retried until it succeeds, visible in Status meanwhile.
func testRunnerRetryPolicy(t *testing.T, backend ProjectionBackend) {
	open := backend(t)
	s := open(t)
	logs := NewLogRecorder()
	_, a, _ := policyStream(t, s.Events)
	poison := a[1]
	var failing atomic.Bool
	failing.Store(true)
	p := &recorder{name: "retry_policy_view", writer: "w", rm: s.ReadModel, after: failingOn(poison.EventID, &failing)}
	r := suiteRunner(t, p, s, logs, projection.WithDeadLetters(s.DeadLetters, 1), projection.WithDeadLetterPolicy(es.DeadLetterRetry))
	st := waitStatus(t, r, "the event to fail again and again", func(st projection.Status) bool {
		return st.FailingPosition == poison.GlobalPosition && st.Attempts >= 3
	})
	assert.Zero(t, st.DeadLetters, "never parked")
	assert.Equal(t, a[0].GlobalPosition, st.Position)
	failing.Store(false)
	all := readAll(t, s.Events)
	requireExactlyOnce(t, waitRows(t, s.ReadModel, len(all), 20*time.Second, logs), all)
}

// testRunnerSkipAndRetryAll: a skipped dead letter is never applied and releases the events held
// behind it, in order; every dead letter asked for at once (RequestRetryAll) is applied in
// position order.
func testRunnerSkipAndRetryAll(t *testing.T, backend ProjectionBackend) {
	open := backend(t)
	s := open(t)
	rs := retryStoreOf(t, s.DeadLetters)
	ss, ok := s.DeadLetters.(projection.SkipStore)
	require.True(t, ok, "%T must implement projection.SkipStore", s.DeadLetters)
	logs := NewLogRecorder()
	ctx := context.Background()
	_, a, b := policyStream(t, s.Events)
	var failing atomic.Bool
	failing.Store(true)
	p := &recorder{name: "skip_view", writer: "w", rm: s.ReadModel, after: func(e es.Envelope) error {
		if (e.EventID == a[1].EventID || e.EventID == b[0].EventID) && failing.Load() {
			return errors.New("poison")
		}
		return nil
	}}
	r := suiteRunner(t, p, s, logs, projection.WithDeadLetters(s.DeadLetters, 1), projection.WithDeadLetterPolicy(es.DeadLetterParkAggregate))
	waitStatus(t, r, "A and B held", func(st projection.Status) bool {
		return st.Position == st.LastPosition && st.DeadLetters == 9 && st.HeldAggregates == 2
	})
	require.ErrorIs(t, ss.Skip(ctx, "skip_view", "no-such-event", "ops", time.Now()), projection.ErrNoDeadLetter)
	require.NoError(t, ss.Skip(ctx, "skip_view", a[1].EventID, "ops", time.Now()))
	got := waitRows(t, s.ReadModel, 4, 20*time.Second, logs)
	assert.Equal(t, idsOf(append([]es.Envelope{a[0]}, a[2:]...)), rowsOf(got, "order-a"), "a2 skipped, the rest of A in order")
	assert.Equal(t, 1, p.callsOf(a[1].EventID), "the skipped event is not tried again")

	// B: b1 failed, b2..b5 held behind it. Retry every letter.
	failing.Store(false)
	n, err := projection.RequestRetryAll(ctx, rs, "skip_view")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "only b1: the held letters go behind it")
	got = waitRows(t, s.ReadModel, 9, 20*time.Second, logs)
	assert.Equal(t, idsOf(b), rowsOf(got, "order-b"), "B in order")
	waitStatus(t, r, "no dead letter left", func(st projection.Status) bool { return st.DeadLetters == 0 && st.HeldAggregates == 0 })
}
