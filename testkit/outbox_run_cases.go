package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
)

// claimRuns claims for owner at now with a one-minute claim, up to perAggregate records of each
// aggregate.
func claimRuns(t *testing.T, s outbox.Store, owner string, limit, perAggregate int, now time.Time) []outbox.Record {
	t.Helper()
	recs, err := s.Claim(context.Background(), outbox.ClaimRequest{
		Outbox: suiteOutbox, Owner: owner, Limit: limit, PerAggregate: perAggregate, Now: now, Until: now.Add(time.Minute),
	})
	require.NoError(t, err)
	return recs
}

func markDelivered(t *testing.T, s outbox.Store, recs []outbox.Record, at time.Time) {
	t.Helper()
	markDeliveredAt(t, s, suiteOutbox, recs, at)
}

// testOutboxClaimRuns: a claim takes of each aggregate its head and the due records right after
// it, in enqueue order, up to the records per aggregate and the limit; it stops at a record held
// by another claim, and takes nothing of an aggregate whose head is held.
func testOutboxClaimRuns(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	a := OutboxEnvelopes(t, "a", 1, 6)
	b := OutboxEnvelopes(t, "b", 1, 2)
	c := OutboxEnvelopes(t, "c", 1, 1)
	now := suiteNow()
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, a[:4], now))
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, b, now))
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, a[4:], now))
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, c, now))

	got := claimRuns(t, s, "r1", 10, 3, now)
	require.Equal(t, []string{a[0].EventID, a[1].EventID, a[2].EventID, b[0].EventID, b[1].EventID, c[0].EventID}, ids(got),
		"up to three records of each aggregate, in enqueue order")
	for _, r := range got {
		assert.Equal(t, 1, r.Attempts, "record %s: the claim counts as an attempt", r.ID)
		assert.Equal(t, "r1", r.ClaimedBy)
	}
	assert.Empty(t, claimRuns(t, s, "r2", 10, 10, now), "a held head holds back the rest of its aggregate")

	markDelivered(t, s, got[:2], now) // a1, a2 delivered; a3 still held by r1
	require.NoError(t, s.Release(ctx, suiteOutbox, claimsOf(got[3:])))
	p := pending(t, s)
	var want []string
	for _, part := range [][]es.Envelope{a[2:4], b, a[4:], c} {
		want = append(want, eventIDs(part)...)
	}
	require.Equal(t, want, ids(p), "pending, in enqueue order")
	assert.Equal(t, 0, p[len(p)-1].Attempts, "a released record takes its attempt back")

	// a3 is held by r1: nothing of a goes to r2, not even the due records behind it.
	got2 := claimRuns(t, s, "r2", 10, 10, now)
	require.Equal(t, []string{b[0].EventID, b[1].EventID, c[0].EventID}, ids(got2), "released records are due at once")
	markDelivered(t, s, got2, now)

	require.NoError(t, s.Release(ctx, suiteOutbox, claimsOf(got[2:3])))
	got3 := claimRuns(t, s, "r3", 2, 10, now)
	require.Equal(t, eventIDs(a[2:4]), ids(got3), "the limit cuts a run, keeping its head")
	// r4 finds a's head (a3) held: it takes nothing of a.
	assert.Empty(t, claimRuns(t, s, "r4", 10, 10, now))
	markDelivered(t, s, got3[:1], now) // a3 delivered, a4 still held by r3
	assert.Empty(t, claimRuns(t, s, "r4", 10, 10, now), "a held record is a head like any other")
	require.NoError(t, s.Release(ctx, suiteOutbox, claimsOf(got3[1:])))
	last := claimRuns(t, s, "r4", 10, 10, now)
	require.Equal(t, eventIDs(a[3:]), ids(last), "the rest of the run, enqueued in two calls")
	markDelivered(t, s, last, now)
	assert.Empty(t, pending(t, s))
}

// testOutboxClaimRunsStopAtNotDue: a run stops at the first record that is not due (held by
// another claim, or failed and waiting for its next attempt), even when records after it are
// due; a dead letter no longer holds back the run.
func testOutboxClaimRunsStopAtNotDue(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	x := OutboxEnvelopes(t, "x", 1, 4)
	now := suiteNow()
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, x, now))

	first := claimRuns(t, s, "r1", 10, 2, now)
	require.Equal(t, eventIDs(x[:2]), ids(first))
	require.NoError(t, s.Release(ctx, suiteOutbox, claimsOf(first[:1])))
	got := claimRuns(t, s, "r2", 10, 10, now)
	require.Equal(t, []string{x[0].EventID}, ids(got), "the run stops at x2, which r1 holds; x3 waits behind it")
	markDelivered(t, s, got, now)

	ok, err := s.MarkFailed(ctx, suiteOutbox, first[1].Claim(), outbox.Failure{Error: "down", At: now, NextAttemptAt: now.Add(time.Hour)})
	require.NoError(t, err)
	require.True(t, ok)
	assert.Empty(t, claimRuns(t, s, "r2", 10, 10, now), "x2 waits for its next attempt, and x3 behind it")

	later := now.Add(time.Hour)
	again := claimRuns(t, s, "r2", 10, 1, later)
	require.Equal(t, []string{x[1].EventID}, ids(again))
	assert.Equal(t, 2, again[0].Attempts)
	ok, err = s.MarkFailed(ctx, suiteOutbox, again[0].Claim(), outbox.Failure{Error: "gone", At: later, Dead: true})
	require.NoError(t, err)
	require.True(t, ok)
	rest := claimRuns(t, s, "r3", 10, 10, later)
	require.Equal(t, eventIDs(x[2:]), ids(rest), "a dead letter does not hold back the run behind it")
	for _, r := range rest {
		assert.Equal(t, 1, r.Attempts, "record %s", r.ID)
	}
}

// testOutboxConcurrentRunClaims: eight stores on the same data (eight processes) claim runs of up
// to five records and mark them, 400 records of 40 aggregates: each record is claimed once, and
// each aggregate's records in enqueue order.
func testOutboxConcurrentRunClaims(t *testing.T, newTarget OutboxStoreFactory) {
	concurrentClaims(t, newTarget, 12, 5)
}
