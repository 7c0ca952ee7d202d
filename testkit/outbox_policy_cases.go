package testkit

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
)

// failingRecorder returns a publisher that fails on the event eventID while failing is set.
func failingRecorder(eventID string, failing *atomic.Bool) *PublishRecorder {
	return &PublishRecorder{Fail: func(_ context.Context, e es.Envelope) error {
		if e.EventID == eventID && failing.Load() {
			return errors.New("broker refused " + eventID)
		}
		return nil
	}}
}

// policyOptions are the suite's fast options, quiet, with the dead-letter policy p after two
// attempts.
func policyOptions(t *testing.T, p es.DeadLetterPolicy) []outbox.Option {
	return fastOptions(t, outbox.WithMaxAttempts(2), outbox.WithDeadLetterPolicy(p), outbox.WithLogger(slog.New(slog.DiscardHandler)))
}

// testRelayParkAggregate: under park-aggregate a dead letter of aggregate a holds a's later
// records back, untried and pending, those enqueued later included, while b's flow; once the
// dead letter is retried and delivered, a's records follow in order, each once.
func testRelayParkAggregate(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	a := OutboxEnvelopes(t, "a", 1, 5)
	b := OutboxEnvelopes(t, "b", 1, 3)
	poison := a[1]
	var failing atomic.Bool
	failing.Store(true)
	rec := failingRecorder(poison.EventID, &failing)
	require.NoError(t, tg.Store.Enqueue(ctx, outbox.DefaultName, append(append([]es.Envelope{}, a...), b...), time.Now()))
	ob := startOutbox(t, tg.Store, rec.Publish, policyOptions(t, es.DeadLetterParkAggregate)...)
	waitFor(t, time.Minute, text("a2 dead"), func() bool {
		dead, err := ob.DeadLetters(ctx, 10)
		require.NoError(t, err)
		return len(dead) == 1
	})
	later := append(OutboxEnvelopes(t, "a", 6, 1), OutboxEnvelopes(t, "b", 4, 1)...)
	require.NoError(t, ob.EnqueueEvents(ctx, later))
	waitFor(t, time.Minute, text("b's records delivered"), func() bool { return rec.Delivered(later[1].EventID) == 1 })
	require.NoError(t, ob.Stop(ctx))
	assert.Equal(t, 1, rec.Delivered(a[0].EventID))
	for _, e := range b {
		assert.Equal(t, 1, rec.Delivered(e.EventID), "b flows")
	}
	held := append(append([]es.Envelope{}, a[2:]...), later[0])
	p := pendingIn(t, tg.Store, outbox.DefaultName)
	require.Equal(t, eventIDs(held), ids(p), "a's records behind the dead letter wait, pending")
	for _, r := range p {
		assert.Zero(t, r.Attempts, "record %s held back untried", r.ID)
		assert.Zero(t, rec.Calls(r.ID))
	}

	failing.Store(false)
	require.NoError(t, ob.Start(ctx))
	require.NoError(t, ob.Retry(ctx, poison.EventID))
	waitFor(t, time.Minute, text("every record delivered"), func() bool { return rec.Distinct() == len(a)+len(b)+len(later) })
	waitFor(t, time.Minute, text("nothing pending"), func() bool { return pendingCount(t, tg.Store, outbox.DefaultName) == 0 })
	assert.Empty(t, rec.OrderProblem())
	for _, e := range held {
		assert.Equal(t, 1, rec.Calls(e.EventID), "event %s published once", e.EventID)
	}
}

// testRelayPause: under pause the first dead letter stops the outbox: nothing more is
// published, of any aggregate, until it is retried and delivered; then everything follows.
func testRelayPause(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	a := OutboxEnvelopes(t, "a", 1, 3)
	poison := a[0]
	var failing atomic.Bool
	failing.Store(true)
	rec := failingRecorder(poison.EventID, &failing)
	ob := startOutbox(t, tg.Store, rec.Publish, policyOptions(t, es.DeadLetterPause)...)
	require.NoError(t, ob.EnqueueEvents(ctx, a))
	waitFor(t, time.Minute, text("a1 dead"), func() bool {
		dead, err := ob.DeadLetters(ctx, 10)
		require.NoError(t, err)
		return len(dead) == 1
	})
	b := OutboxEnvelopes(t, "b", 1, 3)
	require.NoError(t, ob.EnqueueEvents(ctx, b))
	for range 10 { // several poll intervals: nothing moves
		time.Sleep(20 * time.Millisecond)
		for _, e := range b {
			require.Zero(t, rec.Calls(e.EventID), "paused: %s is not published", e.EventID)
		}
	}
	assert.Equal(t, len(a)-1+len(b), pendingCount(t, tg.Store, outbox.DefaultName))

	failing.Store(false)
	require.NoError(t, ob.Retry(ctx, poison.EventID))
	waitFor(t, time.Minute, text("every record delivered"), func() bool { return rec.Distinct() == len(a)+len(b) })
	assert.Empty(t, rec.OrderProblem())
	for _, e := range append(a[1:], b...) {
		assert.Equal(t, 1, rec.Calls(e.EventID))
	}
}

// testRelayRetryPolicy: under retry a record never becomes a dead letter, however many attempts
// fail; its aggregate's later records wait behind it, and follow once it is delivered.
func testRelayRetryPolicy(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	a := OutboxEnvelopes(t, "a", 1, 3)
	var failing atomic.Bool
	failing.Store(true)
	rec := failingRecorder(a[0].EventID, &failing)
	ob := startOutbox(t, tg.Store, rec.Publish, policyOptions(t, es.DeadLetterRetry)...)
	require.NoError(t, ob.EnqueueEvents(ctx, a))
	waitFor(t, time.Minute, text("a1 tried again and again"), func() bool { return rec.Calls(a[0].EventID) >= 5 })
	dead, err := ob.DeadLetters(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, dead, "never a dead letter")
	assert.Zero(t, rec.Calls(a[1].EventID))
	failing.Store(false)
	waitFor(t, time.Minute, text("every record delivered"), func() bool { return rec.Distinct() == len(a) })
	assert.Empty(t, rec.OrderProblem())
}

// testOutboxClaimHoldBehindDead: a claim that holds records behind a dead one takes none of the
// dead letter's aggregate after it, even when that aggregate's records fill the claim's window,
// and takes the other aggregates' records; a claim that does not hold takes them as before.
func testOutboxClaimHoldBehindDead(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	hot := OutboxEnvelopes(t, "hot", 1, 300)
	cold := OutboxEnvelopes(t, "cold", 1, 2)
	now := suiteNow()
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, hot, now))
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, cold, now))
	first := claim(t, s, "r1", 1, now)
	require.Equal(t, []string{hot[0].EventID}, ids(first))
	ok, err := s.MarkFailed(ctx, suiteOutbox, first[0].Claim(), outbox.Failure{Error: "refused", At: now, Dead: true})
	require.NoError(t, err)
	require.True(t, ok)

	holding := func(owner string, limit int) []outbox.Record {
		recs, err := s.Claim(ctx, outbox.ClaimRequest{Outbox: suiteOutbox, Owner: owner, Limit: limit, PerAggregate: limit,
			Now: now, Until: now.Add(time.Minute), HoldBehindDead: true})
		require.NoError(t, err)
		return recs
	}
	assert.Equal(t, eventIDs(cold), ids(holding("r2", 2)), "hot is held behind its dead letter, cold flows")
	assert.Empty(t, holding("r3", 10), "nothing else is due")
	require.NoError(t, s.Retry(ctx, suiteOutbox, hot[0].EventID))
	got := holding("r4", 3)
	assert.Equal(t, eventIDs(hot[:3]), ids(got), "retried, the dead letter heads its aggregate's run again")
}

// testRelaySkipAndRetryAll: a skipped dead letter is never published and releases the records
// held behind it, in order; RetryAll brings every dead letter back, and each aggregate's
// records go out in order.
func testRelaySkipAndRetryAll(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	if _, ok := tg.Store.(outbox.SkipStore); !ok {
		t.Fatalf("%T must implement outbox.SkipStore", tg.Store)
	}
	a := OutboxEnvelopes(t, "a", 1, 4)
	b := OutboxEnvelopes(t, "b", 1, 3)
	var failing atomic.Bool
	failing.Store(true)
	rec := &PublishRecorder{Fail: func(_ context.Context, e es.Envelope) error {
		if (e.EventID == a[1].EventID || e.EventID == b[0].EventID) && failing.Load() {
			return errors.New("broker refused")
		}
		return nil
	}}
	require.NoError(t, tg.Store.Enqueue(ctx, outbox.DefaultName, append(append([]es.Envelope{}, a...), b...), time.Now()))
	ob := startOutbox(t, tg.Store, rec.Publish, policyOptions(t, es.DeadLetterParkAggregate)...)
	waitFor(t, time.Minute, text("a2 and b1 dead"), func() bool {
		dead, err := ob.DeadLetters(ctx, 10)
		require.NoError(t, err)
		return len(dead) == 2
	})
	require.ErrorIs(t, ob.Skip(ctx, a[0].EventID, "ops"), outbox.ErrNoDeadLetter, "a1 was delivered, not dead")
	require.NoError(t, ob.Skip(ctx, a[1].EventID, "ops"))
	waitFor(t, time.Minute, text("a's rest delivered"), func() bool { return rec.Delivered(a[3].EventID) == 1 })
	assert.Zero(t, rec.Delivered(a[1].EventID), "the skipped record is never published")
	assert.Equal(t, 2, rec.Calls(a[1].EventID))
	for _, e := range b[1:] {
		assert.Zero(t, rec.Calls(e.EventID), "b held behind b1")
	}

	failing.Store(false)
	n, err := ob.RetryAll(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	waitFor(t, time.Minute, text("b delivered"), func() bool { return rec.Delivered(b[2].EventID) == 1 })
	waitFor(t, time.Minute, text("nothing pending"), func() bool { return pendingCount(t, tg.Store, outbox.DefaultName) == 0 })
	rec.mu.Lock()
	assert.Equal(t, []int64{1, 2, 3}, rec.order["b"], "b's records delivered once each, in order")
	assert.Equal(t, []int64{1, 3, 4}, rec.order["a"], "a's, but the skipped one")
	rec.mu.Unlock()
	dead, err := ob.DeadLetters(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, dead)
}

// testOutboxRequeue: events enqueued again (Requeue) are published again, in their order, each
// delivered or dead record replaced by a fresh one.
func testOutboxRequeue(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	rs, ok := tg.Store.(outbox.ReplayStore)
	if !ok {
		t.Fatalf("%T must implement outbox.ReplayStore", tg.Store)
	}
	a := OutboxEnvelopes(t, "a", 1, 4)
	var failing atomic.Bool
	failing.Store(true)
	rec := failingRecorder(a[3].EventID, &failing)
	ob := startOutbox(t, tg.Store, rec.Publish, policyOptions(t, es.DeadLetterPark)...)
	require.NoError(t, ob.EnqueueEvents(ctx, a))
	waitFor(t, time.Minute, text("a1..a3 delivered, a4 dead"), func() bool {
		dead, err := ob.DeadLetters(ctx, 10)
		require.NoError(t, err)
		return rec.Distinct() == 3 && len(dead) == 1
	})
	failing.Store(false)
	require.NoError(t, rs.Requeue(ctx, outbox.DefaultName, a[1:], time.Now()))
	waitFor(t, time.Minute, text("a2..a4 published again"), func() bool { return rec.Delivered(a[3].EventID) == 1 && rec.Delivered(a[1].EventID) == 2 })
	waitFor(t, time.Minute, text("nothing pending"), func() bool { return pendingCount(t, tg.Store, outbox.DefaultName) == 0 })
	rec.mu.Lock()
	assert.Equal(t, []int64{1, 2, 3, 2, 3, 4}, rec.order["a"], "published again, in order")
	rec.mu.Unlock()
	dead, err := ob.DeadLetters(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, dead, "the dead letter replaced")
}

// testOutboxRequeueKeepsPendingOrder: enqueueing again records never published keeps each
// aggregate's records first published in their order. A pending record among the events is
// left where it is, as it is; a dead letter among them gets a fresh record at the end, and the
// records of its aggregate after it that are not delivered move behind that, in their order.
func testOutboxRequeueKeepsPendingOrder(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	rs, ok := tg.Store.(outbox.ReplayStore)
	if !ok {
		t.Fatalf("%T must implement outbox.ReplayStore", tg.Store)
	}
	r := OutboxEnvelopes(t, "r", 1, 3)
	require.NoError(t, tg.Store.Enqueue(ctx, outbox.DefaultName, r, time.Now()))
	before := pendingIn(t, tg.Store, outbox.DefaultName)
	require.NoError(t, rs.Requeue(ctx, outbox.DefaultName, r[:2], time.Now().Add(time.Second)))
	after := pendingIn(t, tg.Store, outbox.DefaultName)
	require.Len(t, after, 3)
	for i := range after {
		assert.Equal(t, r[i].EventID, after[i].ID, "pending records keep their order")
		assert.True(t, before[i].CreatedAt.Equal(after[i].CreatedAt), "a pending record is left as it is")
	}

	// Under park-aggregate, p1 becomes a dead letter holding back p2 and p3, pending.
	p := OutboxEnvelopes(t, "p", 1, 3)
	var failing atomic.Bool
	failing.Store(true)
	rec := failingRecorder(p[0].EventID, &failing)
	require.NoError(t, tg.Store.Enqueue(ctx, outbox.DefaultName, p, time.Now()))
	ob := startOutbox(t, tg.Store, rec.Publish, policyOptions(t, es.DeadLetterParkAggregate)...)
	waitFor(t, time.Minute, text("r delivered, p1 dead"), func() bool {
		dead, err := ob.DeadLetters(ctx, 10)
		require.NoError(t, err)
		return rec.Distinct() == 3 && len(dead) == 1
	})
	require.NoError(t, ob.Stop(ctx))
	require.NoError(t, rs.Requeue(ctx, outbox.DefaultName, p[:2], time.Now()))
	held := pendingIn(t, tg.Store, outbox.DefaultName)
	require.Len(t, held, 3, "p1 fresh, p2 and p3 pending")
	for i := range held {
		assert.Equal(t, p[i].EventID, held[i].ID, "p's records in their order")
	}
	assert.Zero(t, held[0].Attempts, "the dead letter replaced by a fresh record")
	failing.Store(false)
	require.NoError(t, ob.Start(ctx))
	waitFor(t, time.Minute, text("nothing pending"), func() bool { return pendingCount(t, tg.Store, outbox.DefaultName) == 0 })
	rec.mu.Lock()
	assert.Equal(t, []int64{1, 2, 3}, rec.order["r"], "r's records published once each, in order")
	assert.Equal(t, []int64{1, 2, 3}, rec.order["p"], "p's records published once each, in order")
	rec.mu.Unlock()
	dead, err := ob.DeadLetters(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, dead, "the dead letter replaced")
}
