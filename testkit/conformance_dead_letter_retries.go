package testkit

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// retryStoreOf returns s as a projection.RetryStore, or skips t when it is not one.
func retryStoreOf(t *testing.T, s projection.DeadLetterStore) projection.RetryStore {
	t.Helper()
	rs, ok := s.(projection.RetryStore)
	if !ok {
		t.Skipf("%T is not a projection.RetryStore", s)
	}
	return rs
}

// testDeadLetterRetryRequests: a request marks one letter of one projection; parking the event
// again or deleting it ends the request; a letter the projection lacks is ErrNoDeadLetter.
func testDeadLetterRetryRequests(t *testing.T, newStore DeadLetterStoreFactory) {
	ctx := context.Background()
	s := retryStoreOf(t, newStore(t))
	for _, pos := range []int64{30, 10, 20} {
		require.NoError(t, s.Park(ctx, deadLetter(t, "p", pos, "boom")))
	}
	require.NoError(t, s.Park(ctx, deadLetter(t, "q", 10, "boom")))
	letters := requireLetters(t, s, "p", 0, 10, 10, 20, 30)
	got, err := s.RetryRequests(ctx, "p", 10)
	require.NoError(t, err)
	assert.Empty(t, got)

	require.NoError(t, s.RequestRetry(ctx, "p", letters[2].Event.EventID))
	require.NoError(t, s.RequestRetry(ctx, "p", letters[0].Event.EventID))
	require.NoError(t, s.RequestRetry(ctx, "p", letters[0].Event.EventID), "asking twice")
	got, err = s.RetryRequests(ctx, "p", 10)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []int64{10, 30}, []int64{got[0].Event.GlobalPosition, got[1].Event.GlobalPosition}, "in position order")
	assert.True(t, letters[0].Event.Equal(got[0].Event))
	assert.Equal(t, 3, got[0].Attempts)
	got, err = s.RetryRequests(ctx, "p", 1)
	require.NoError(t, err)
	require.Len(t, got, 1, "limit")
	got, err = s.RetryRequests(ctx, "q", 10)
	require.NoError(t, err)
	assert.Empty(t, got, "requests are per projection")

	again := letters[0]
	again.Attempts, again.Error = 4, "boom again"
	require.NoError(t, s.Park(ctx, again))
	_, err = s.Delete(ctx, "p", letters[2].Event.EventID)
	require.NoError(t, err)
	got, err = s.RetryRequests(ctx, "p", 10)
	require.NoError(t, err)
	assert.Empty(t, got, "parking again and deleting end the requests")
	require.NoError(t, s.Park(ctx, letters[2]))
	got, err = s.RetryRequests(ctx, "p", 10)
	require.NoError(t, err)
	assert.Empty(t, got, "a letter parked anew is not asked for")

	err = s.RequestRetry(ctx, "q", letters[1].Event.EventID)
	assert.ErrorIs(t, err, projection.ErrNoDeadLetter, "another projection's letter")
	assert.ErrorIs(t, s.RequestRetry(ctx, "p", "no-such-event"), projection.ErrNoDeadLetter)
	assert.ErrorIs(t, s.RequestRetry(ctx, "", letters[1].Event.EventID), es.ErrInvalidArgument)
	assert.ErrorIs(t, s.RequestRetry(ctx, "p", strings.Repeat("i", es.MaxIDBytes+1)), es.ErrInvalidArgument)
	assert.ErrorIs(t, s.RequestRetry(ctx, "p\x00", "x"), es.ErrInvalidArgument)
	_, err = s.RetryRequests(ctx, "p", 0)
	assert.ErrorIs(t, err, es.ErrInvalidArgument, "limit 0")
}

// testRunnerRetriesRequestedDeadLetters: a parked event asked for again is applied once by the
// running runner and leaves the dead letters; one that fails again is parked again with one more
// attempt, and the request ends.
func testRunnerRetriesRequestedDeadLetters(t *testing.T, backend ProjectionBackend) {
	open := backend(t)
	s := open(t)
	rs := retryStoreOf(t, s.DeadLetters)
	logs := NewLogRecorder()
	appendEvents(t, s.Events, "order-1", 0, 6)
	stream := readAll(t, s.Events)
	poison := stream[2]
	var failing atomic.Bool
	failing.Store(true)
	p := &recorder{name: "retry_view", writer: "w", rm: s.ReadModel, after: func(e es.Envelope) error {
		if e.EventID == poison.EventID && failing.Load() {
			return errors.New("poison")
		}
		return nil
	}}
	r := suiteRunner(t, p, s, logs, projection.WithDeadLetters(s.DeadLetters, 2))
	waitRows(t, s.ReadModel, 5, 20*time.Second, logs)
	ctx := context.Background()
	waitFor(t, 10*time.Second, func() string { return "the poison event to be parked" }, func() bool {
		n, err := s.DeadLetters.Count(ctx, "retry_view")
		require.NoError(t, err)
		return n == 1
	})

	// Still failing: parked again with a third attempt, and no longer asked for.
	require.NoError(t, rs.RequestRetry(ctx, "retry_view", poison.EventID))
	waitFor(t, 10*time.Second, func() string { return "the failed retry to park the event again" }, func() bool {
		letters, err := r.DeadLetters(ctx, 0, 10)
		require.NoError(t, err)
		return len(letters) == 1 && letters[0].Attempts == 3
	})
	requests, err := rs.RetryRequests(ctx, "retry_view", 10)
	require.NoError(t, err)
	assert.Empty(t, requests)
	assert.Equal(t, 3, p.callsOf(poison.EventID))

	failing.Store(false)
	require.NoError(t, rs.RequestRetry(ctx, "retry_view", poison.EventID))
	got := waitRows(t, s.ReadModel, 6, 20*time.Second, logs)
	assert.Equal(t, poison.EventID, got[5].EventID, "applied after the events that followed it")
	requireExactlyOnce(t, got, append(append(append([]es.Envelope(nil), stream[:2]...), stream[3:]...), poison))
	waitFor(t, 10*time.Second, func() string { return "the dead letter to go" }, func() bool {
		n, err := s.DeadLetters.Count(ctx, "retry_view")
		require.NoError(t, err)
		return n == 0
	})
	assert.Equal(t, 4, p.callsOf(poison.EventID))
	// The runner logs the retry once its transaction has committed.
	waitFor(t, 10*time.Second, func() string { return "the retry's log record" }, func() bool { return logs.Count("projection_dead_letter_retried") == 1 })
	st, err := r.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, stream[5].GlobalPosition, st.Position, "the checkpoint stays where it was")
}
