package testkit

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
)

// undecodable writes, around records enqueued as usual, records no reader can decode: one with a
// payload that is not JSON (p1, the head of p), one with metadata that is not a JSON object (m2,
// between m1 and m3). It returns the good records in enqueue order and the bad ones.
func undecodable(t *testing.T, tg OutboxTarget, name string) (good, bad []es.Envelope) {
	t.Helper()
	if tg.WriteRecord == nil {
		t.Skip("the store holds only what Enqueue accepts")
	}
	ctx := context.Background()
	m := OutboxEnvelopes(t, "m", 1, 3)
	p := OutboxEnvelopes(t, "p", 1, 2)
	g := OutboxEnvelopes(t, "g", 1, 1)
	enqueue := func(envs ...es.Envelope) {
		require.NoError(t, tg.Store.Enqueue(ctx, name, envs, time.Now()))
		good = append(good, envs...)
	}
	enqueue(m[0])
	tg.WriteRecord(t, name, m[1], string(m[1].Payload), `{"correlation_id": "c-1"`)
	enqueue(m[2])
	tg.WriteRecord(t, name, p[0], `payload written by another program`, `{}`)
	enqueue(p[1], g[0])
	return good, []es.Envelope{m[1], p[0]}
}

// testOutboxClaimUndecodable: a claim that meets records the store cannot decode (written past
// Enqueue, by another program) returns the others and makes those dead letters, with the decode
// error as their last error and no attempt charged; listing them works.
func testOutboxClaimUndecodable(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	good, bad := undecodable(t, tg, suiteOutbox)
	got, err := tg.Store.Claim(ctx, outbox.ClaimRequest{Outbox: suiteOutbox, Owner: "r1", Limit: 10, PerAggregate: 10,
		Now: time.Now(), Until: time.Now().Add(time.Minute)})
	require.NoError(t, err, "a claim never fails on a record it cannot decode")
	require.Equal(t, eventIDs(good), ids(got), "every decodable record; a dead letter holds back nothing")
	for i, r := range got {
		checkRoundTrip(t, "claimed "+r.ID, wantStored(t, good[i]), r.Event)
	}
	dead, err := tg.Store.DeadLetters(ctx, suiteOutbox, 10)
	require.NoError(t, err, "dead letters that cannot be decoded are listed")
	require.ElementsMatch(t, eventIDs(bad), ids(dead))
	for _, d := range dead {
		assert.True(t, d.Dead)
		assert.Zero(t, d.Attempts, "record %s: no attempt charged, none was made", d.ID)
		assert.Contains(t, d.LastError, "decode", "record %s", d.ID)
		assert.Empty(t, d.ClaimedBy)
		assert.NotEmpty(t, d.Event.AggregateID, "record %s: what could be read is there", d.ID)
	}
	markDeliveredAt(t, tg.Store, suiteOutbox, got, time.Now())
	assert.Zero(t, pendingCount(t, tg.Store, suiteOutbox))

	require.NoError(t, tg.Store.Retry(ctx, suiteOutbox, bad[1].EventID))
	p, err := tg.Store.Pending(ctx, suiteOutbox, 10)
	require.NoError(t, err, "pending lists a record it cannot decode")
	require.Equal(t, []string{bad[1].EventID}, ids(p))
	again, err := tg.Store.Claim(ctx, outbox.ClaimRequest{Outbox: suiteOutbox, Owner: "r2", Limit: 10,
		Now: time.Now(), Until: time.Now().Add(time.Minute)})
	require.NoError(t, err)
	assert.Empty(t, again, "a retried record that still cannot be decoded is a dead letter again")
	dead, err = tg.Store.DeadLetters(ctx, suiteOutbox, 10)
	require.NoError(t, err)
	assert.Len(t, dead, 2)
}

// testRelayUndecodable: records the store cannot decode become dead letters under a running
// relay, and every other record, of their aggregates and of others, is published in order.
func testRelayUndecodable(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	good, bad := undecodable(t, tg, outbox.DefaultName)
	var (
		mu    sync.Mutex
		order = map[string][]int64{}
	)
	rec := &PublishRecorder{Fail: func(_ context.Context, e es.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		order[e.AggregateID] = append(order[e.AggregateID], e.Sequence)
		return nil
	}}
	startOutbox(t, tg.Store, rec.Publish, fastOptions(t, outbox.WithLogger(slog.New(slog.DiscardHandler)))...)
	waitFor(t, time.Minute, text("every decodable record published"), func() bool { return rec.Distinct() == len(good) })
	waitFor(t, time.Minute, text("nothing pending"), func() bool { return pendingCount(t, tg.Store, outbox.DefaultName) == 0 })
	for _, e := range bad {
		assert.Zero(t, rec.Calls(e.EventID), "undecodable record %s never published", e.EventID)
	}
	mu.Lock()
	assert.Equal(t, map[string][]int64{"m": {1, 3}, "p": {2}, "g": {1}}, order, "published in order, past the dead letters")
	mu.Unlock()
	dead, err := tg.Store.DeadLetters(ctx, outbox.DefaultName, 10)
	require.NoError(t, err)
	assert.ElementsMatch(t, eventIDs(bad), ids(dead))
}

// markDeliveredAt marks recs delivered at at in the named outbox; each claim must be current.
func markDeliveredAt(t *testing.T, s outbox.Store, name string, recs []outbox.Record, at time.Time) {
	t.Helper()
	n, err := s.MarkDelivered(context.Background(), name, claimsOf(recs), at)
	require.NoError(t, err)
	require.Equal(t, len(recs), n)
}
