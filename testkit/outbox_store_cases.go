package testkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

const suiteOutbox = "orders"

// suiteNow is a clock for the store cases: now, kept as stores keep times.
func suiteNow() time.Time { return storekit.StoredTime(time.Now()) }

// claim claims for owner at now with a one-minute claim.
func claim(t *testing.T, s outbox.Store, owner string, limit int, now time.Time) []outbox.Record {
	t.Helper()
	recs, err := s.Claim(context.Background(), outbox.ClaimRequest{
		Outbox: suiteOutbox, Owner: owner, Limit: limit, Now: now, Until: now.Add(time.Minute),
	})
	require.NoError(t, err)
	return recs
}

func ids(recs []outbox.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func eventIDs(envs []es.Envelope) []string {
	out := make([]string, len(envs))
	for i, e := range envs {
		out[i] = e.EventID
	}
	return out
}

func claimsOf(recs []outbox.Record) []outbox.Claim {
	out := make([]outbox.Claim, len(recs))
	for i, r := range recs {
		out[i] = r.Claim()
	}
	return out
}

// wantStored is env as every store gives it back.
func wantStored(t *testing.T, env es.Envelope) es.Envelope {
	t.Helper()
	w := env.Clone()
	w.OccurredAt = storekit.StoredTime(env.OccurredAt)
	md, err := storekit.NormalizeMetadata(env.Metadata)
	require.NoError(t, err)
	w.Metadata = md
	return w
}

func testOutboxEnqueueAndPending(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	a := OutboxEnvelopes(t, "a", 1, 2)
	b := OutboxEnvelopes(t, "b", 1, 1)
	b[0].Metadata = map[string]any{"correlation_id": "c-1", "n": 3}
	b[0].TenantID = "tenant-1"
	at := suiteNow()
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, append(append([]es.Envelope{}, a...), b...), at))

	recs, err := s.Pending(ctx, suiteOutbox, 10)
	require.NoError(t, err)
	require.Equal(t, append(eventIDs(a), b[0].EventID), ids(recs), "pending lists records in enqueue order")
	for i, env := range append(append([]es.Envelope{}, a...), b...) {
		r := recs[i]
		assert.Equal(t, suiteOutbox, r.Outbox)
		assert.Equal(t, 0, r.Attempts)
		assert.Empty(t, r.LastError)
		assert.True(t, r.CreatedAt.Equal(at), "created at %v, want %v", r.CreatedAt, at)
		assert.True(t, r.DeliveredAt.IsZero())
		assert.False(t, r.Dead)
		assert.Empty(t, r.ClaimedBy)
		assert.True(t, r.ClaimedUntil.IsZero())
		checkRoundTrip(t, "record "+r.ID, wantStored(t, env), r.Event)
		assert.Equal(t, env.Sequence, r.Event.Sequence)
	}
	first, err := s.Pending(ctx, suiteOutbox, 2)
	require.NoError(t, err)
	assert.Equal(t, eventIDs(a), ids(first), "limit")

	recs[0].Event.Metadata["x"] = "changed by the caller"
	again, err := s.Pending(ctx, suiteOutbox, 1)
	require.NoError(t, err)
	assert.NotContains(t, again[0].Event.Metadata, "x", "the store hands out copies")

	dead, err := s.DeadLetters(ctx, suiteOutbox, 10)
	require.NoError(t, err)
	assert.Empty(t, dead)
}

// testOutboxEnqueueTwice: an event already in the outbox is left as it is, whatever its state, so
// enqueueing again after an unknown outcome is safe.
func testOutboxEnqueueTwice(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	envs := OutboxEnvelopes(t, "a", 1, 3)
	now := suiteNow()
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, envs[:2], now))
	got := claim(t, s, "r1", 1, now)
	require.Len(t, got, 1)
	n, err := s.MarkDelivered(ctx, suiteOutbox, claimsOf(got), now)
	require.NoError(t, err)
	require.Equal(t, 1, n)

	changed := envs[0]
	changed.Payload = json.RawMessage(`{"changed":true}`)
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, []es.Envelope{changed, envs[1], envs[2]}, now))
	recs, err := s.Pending(ctx, suiteOutbox, 10)
	require.NoError(t, err)
	assert.Equal(t, eventIDs(envs[1:]), ids(recs), "the delivered record is not enqueued again; the pending one is not doubled")
	assert.Equal(t, []string{envs[1].EventID}, ids(claim(t, s, "r1", 10, now)), "one record of the aggregate at a time")
}

func testOutboxEnqueueRefused(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	now := suiteNow()
	cases := map[string]func(e *es.Envelope){
		"no event id":        func(e *es.Envelope) { e.EventID = "" },
		"event id too long":  func(e *es.Envelope) { e.EventID = strings.Repeat("i", 65) },
		"no aggregate id":    func(e *es.Envelope) { e.AggregateID = "" },
		"NUL in aggregate":   func(e *es.Envelope) { e.AggregateID = "a\x00" },
		"no event type":      func(e *es.Envelope) { e.EventType = "" },
		"type not UTF-8":     func(e *es.Envelope) { e.AggregateType = "\xff" },
		"negative sequence":  func(e *es.Envelope) { e.Sequence = -1 },
		"negative version":   func(e *es.Envelope) { e.Version = -1 },
		"year 10000":         func(e *es.Envelope) { e.OccurredAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"payload not object": func(e *es.Envelope) { e.Payload = json.RawMessage(`[1]`) },
		"NUL escape":         func(e *es.Envelope) { e.Payload = json.RawMessage(`{"a":"\u0000"}`) },
		"invalid UTF-8":      func(e *es.Envelope) { e.Payload = json.RawMessage("{\"a\":\"\xff\"}") },
		"metadata not JSON":  func(e *es.Envelope) { e.Metadata = map[string]any{"ch": make(chan int)} },
		"tenant too long":    func(e *es.Envelope) { e.TenantID = strings.Repeat("t", 65) },
	}
	for name, mutate := range cases {
		envs := OutboxEnvelopes(t, "a", 1, 2)
		mutate(&envs[1])
		err := s.Enqueue(ctx, suiteOutbox, envs, now)
		require.ErrorIs(t, err, es.ErrInvalidArgument, name)
	}
	envs := OutboxEnvelopes(t, "a", 1, 2)
	envs[1].EventID = envs[0].EventID
	require.ErrorIs(t, s.Enqueue(ctx, suiteOutbox, envs, now), es.ErrInvalidArgument, "an id twice in one call")
	require.ErrorIs(t, s.Enqueue(ctx, suiteOutbox, nil, now), es.ErrInvalidArgument, "no events")
	for _, name := range []string{"", strings.Repeat("n", 65), "a\x00b", "\xff"} {
		require.ErrorIs(t, s.Enqueue(ctx, name, OutboxEnvelopes(t, "a", 1, 1), now), es.ErrInvalidArgument, "outbox name %q", name)
	}
	// An enqueue time out of range was stored before (SQLite) and made every later Pending fail
	// with es.ErrDecode.
	for name, at := range badTimes() {
		require.ErrorIs(t, s.Enqueue(ctx, suiteOutbox, OutboxEnvelopes(t, "a", 1, 1), at), es.ErrInvalidArgument, "enqueue time: %s", name)
	}
	assert.Zero(t, pendingCount(t, s, suiteOutbox), "refused input writes nothing")
}

// testOutboxHostileValues enqueues every hostile value the event stores accept, under a hostile
// outbox name, and reads each back through Pending and Claim.
func testOutboxHostileValues(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	name := `o'; DELETE FROM pyfly_outbox; --` + "日本"
	want := map[string]es.Envelope{}
	var all []es.Envelope
	for _, c := range hostileCases() {
		env := Envelopes(t, "E", 1, 1)[0]
		c.mutate(&env)
		env.AggregateID, env.AggregateType, env.Sequence = c.aggregateID, c.aggregateType, 1
		want[env.EventID] = wantStored(t, env)
		all = append(all, env)
	}
	now := suiteNow()
	require.NoError(t, s.Enqueue(ctx, name, all, now))
	recs, err := s.Pending(ctx, name, 100)
	require.NoError(t, err)
	require.Len(t, recs, len(all))
	for _, r := range recs {
		checkRoundTrip(t, "Pending "+r.ID, want[r.ID], r.Event)
	}
	claimed, err := s.Claim(ctx, outbox.ClaimRequest{Outbox: name, Owner: `owner'"\`, Limit: 100, Now: now, Until: now.Add(time.Minute)})
	require.NoError(t, err)
	require.Len(t, claimed, len(all), "every hostile aggregate id is its own aggregate")
	for _, r := range claimed {
		checkRoundTrip(t, "Claim "+r.ID, want[r.ID], r.Event)
		assert.Equal(t, `owner'"\`, r.ClaimedBy)
	}
	other, err := s.Pending(ctx, "o", 10)
	require.NoError(t, err)
	assert.Empty(t, other, "a name is matched exactly")
}

// testOutboxHostileMetadata enqueues every metadata of refusedMetadata, alike on every store:
// each enqueue is refused with es.ErrInvalidArgument naming the event's metadata, without a
// crash, and the outbox stays readable and writable after each refusal. Metadata and a payload
// at the nesting limit are enqueued and read back whole.
func testOutboxHostileMetadata(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	deep := OutboxEnvelopes(t, "deep", 1, 1)
	deep[0].Metadata = NestedMetadata(storekit.MaxJSONDepth, true)
	deep[0].Payload = json.RawMessage(strings.Repeat(`{"a":`, storekit.MaxJSONDepth) + "1" + strings.Repeat("}", storekit.MaxJSONDepth))
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, deep, suiteNow()), "at the nesting limit")
	recs, err := s.Pending(ctx, suiteOutbox, 10)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	checkRoundTrip(t, "at the nesting limit", wantStored(t, deep[0]), recs[0].Event)

	pastLimit := OutboxEnvelopes(t, "deep", 2, 1)
	pastLimit[0].Payload = json.RawMessage(`{"a":` + string(deep[0].Payload) + `}`)
	require.ErrorIs(t, s.Enqueue(ctx, suiteOutbox, pastLimit, suiteNow()), es.ErrInvalidArgument, "payload one level past the limit")
	n := 1
	for name, md := range refusedMetadata() {
		batch := OutboxEnvelopes(t, "a", n, 2)
		batch[1].Metadata = md
		err := s.Enqueue(ctx, suiteOutbox, batch, suiteNow())
		require.ErrorIs(t, err, es.ErrInvalidArgument, name)
		assert.Contains(t, err.Error(), "events[1].Metadata", name)
		require.Equal(t, n, pendingCount(t, s, suiteOutbox), "%s: nothing of the refused call is stored, the outbox stays readable", name)
		require.NoError(t, s.Enqueue(ctx, suiteOutbox, OutboxEnvelopes(t, "a", n, 1), suiteNow()), "%s: the outbox stays writable", name)
		n++
	}
}

// testOutboxTransactions: records exist exactly when the transaction that enqueued them commits,
// together with the events appended in it.
func testOutboxTransactions(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	s := tg.Store
	boom := errors.New("boom")
	envs := OutboxEnvelopes(t, "a", 1, 2)
	err := tg.Tx.InTx(ctx, func(ctx context.Context) error {
		if !s.JoinsTx(ctx) {
			return errors.New("the store does not join the target's transaction")
		}
		if err := tg.Events.Append(ctx, "a", "Account", 0, envs); err != nil {
			return err
		}
		if err := s.Enqueue(ctx, suiteOutbox, envs, suiteNow()); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Zero(t, pendingCount(t, s, suiteOutbox), "a rolled-back transaction leaves no record")
	v, err := tg.Events.LatestVersion(ctx, "a")
	require.NoError(t, err)
	assert.Zero(t, v, "nor events")

	assert.False(t, s.JoinsTx(ctx), "no transaction, nothing to join")
	require.NoError(t, tg.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := tg.Events.Append(ctx, "a", "Account", 0, envs); err != nil {
			return err
		}
		return s.Enqueue(ctx, suiteOutbox, envs, suiteNow())
	}))
	recs, err := s.Pending(ctx, suiteOutbox, 10)
	require.NoError(t, err)
	assert.Equal(t, eventIDs(envs), ids(recs), "a committed transaction leaves its records")
	v, err = tg.Events.LatestVersion(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, int64(2), v)
}

// testOutboxClaimOrder: a record is claimed only when every earlier record of its aggregate is
// delivered or dead; records of other aggregates are not held back.
func testOutboxClaimOrder(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	a := OutboxEnvelopes(t, "a", 1, 3)
	b := OutboxEnvelopes(t, "b", 1, 2)
	now := suiteNow()
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, a[:2], now))
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, b, now))
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, a[2:], now))

	got := claim(t, s, "r1", 10, now)
	require.Equal(t, []string{a[0].EventID, b[0].EventID}, ids(got), "the head of each aggregate, in enqueue order")
	for _, r := range got {
		assert.Equal(t, 1, r.Attempts, "the claim counts as an attempt")
		assert.Equal(t, "r1", r.ClaimedBy)
		assert.True(t, r.ClaimedUntil.Equal(now.Add(time.Minute)))
	}
	assert.Empty(t, claim(t, s, "r2", 10, now), "claimed records hold back their aggregates")

	n, err := s.MarkDelivered(ctx, suiteOutbox, claimsOf(got[:1]), now)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	got2 := claim(t, s, "r2", 10, now)
	require.Equal(t, []string{a[1].EventID}, ids(got2), "the next record of a once the first is delivered")

	n, err = s.MarkDelivered(ctx, suiteOutbox, append(claimsOf(got[1:]), claimsOf(got2)...), now)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	assert.Equal(t, []string{b[1].EventID, a[2].EventID}, ids(claim(t, s, "r1", 10, now)), "in enqueue order")
	assert.Equal(t, []string{b[1].EventID, a[2].EventID}, ids(pending(t, s)))

	pend := pending(t, s)
	assert.Equal(t, "r1", pend[0].ClaimedBy, "pending lists claimed records with their claim")
}

// testOutboxLongRun: an aggregate with a long run of records (more than a claim looks at in
// enqueue order) holds back none of the aggregates enqueued behind it.
func testOutboxLongRun(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	hot := OutboxEnvelopes(t, "hot", 1, 600)
	cold := OutboxEnvelopes(t, "cold", 1, 2)
	now := suiteNow()
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, hot, now))
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, cold, now))
	require.Equal(t, []string{hot[0].EventID, cold[0].EventID}, ids(claim(t, s, "r1", 10, now)))
	require.Equal(t, []string{hot[0].EventID}, ids(claim(t, s, "r2", 1, now.Add(time.Minute))),
		"with a limit of one, the earliest head")
	got := claim(t, s, "r3", 1, now.Add(time.Minute))
	require.Equal(t, []string{cold[0].EventID}, ids(got), "the head behind the run, when the run's head is held")
	n, err := s.MarkDelivered(ctx, suiteOutbox, claimsOf(got), now)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	assert.Equal(t, []string{cold[1].EventID}, ids(claim(t, s, "r4", 10, now.Add(time.Minute))))
}

func pending(t *testing.T, s outbox.Store) []outbox.Record {
	t.Helper()
	recs, err := s.Pending(context.Background(), suiteOutbox, 100)
	require.NoError(t, err)
	return recs
}

// testOutboxClaimExclusive: a claimed record goes to no one else until its claim expires; the
// old holder's marks then no longer apply.
func testOutboxClaimExclusive(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	envs := OutboxEnvelopes(t, "a", 1, 1)
	now := suiteNow()
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, envs, now))
	first := claim(t, s, "r1", 1, now)
	require.Len(t, first, 1)
	assert.Empty(t, claim(t, s, "r2", 1, now.Add(59*time.Second)), "not before the claim expires")
	assert.Empty(t, claim(t, s, "r1", 1, now.Add(59*time.Second)), "not even to its own owner")

	later := now.Add(time.Minute)
	second := claim(t, s, "r2", 1, later)
	require.Len(t, second, 1, "taken over once the claim expired")
	assert.Equal(t, 2, second[0].Attempts)
	assert.Equal(t, "r2", second[0].ClaimedBy)

	n, err := s.MarkDelivered(ctx, suiteOutbox, claimsOf(first), later)
	require.NoError(t, err)
	assert.Zero(t, n, "the expired claim's mark does not apply")
	ok, err := s.MarkFailed(ctx, suiteOutbox, first[0].Claim(), outbox.Failure{Error: "late", At: later, Dead: true})
	require.NoError(t, err)
	assert.False(t, ok, "nor its failure")
	require.NoError(t, s.Release(ctx, suiteOutbox, claimsOf(first)))
	stale := first[0].Claim()
	stale.Owner = "r2"
	n, err = s.MarkDelivered(ctx, suiteOutbox, []outbox.Claim{stale}, later)
	require.NoError(t, err)
	assert.Zero(t, n, "the owner alone does not make a claim current")

	p := pending(t, s)
	require.Len(t, p, 1)
	assert.Equal(t, "r2", p[0].ClaimedBy)
	assert.Equal(t, 2, p[0].Attempts)
	assert.Empty(t, p[0].LastError)

	n, err = s.MarkDelivered(ctx, suiteOutbox, claimsOf(second), later)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Empty(t, pending(t, s))
	n, err = s.MarkDelivered(ctx, suiteOutbox, claimsOf(second), later)
	require.NoError(t, err)
	assert.Zero(t, n, "a delivered record is marked once")
}

// testOutboxFailures: a failure sets the error and the next attempt time and holds back the
// aggregate; a dead letter keeps its error and attempts, no longer holds back its aggregate, and
// Retry brings it back.
func testOutboxFailures(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	a := OutboxEnvelopes(t, "a", 1, 2)
	b := OutboxEnvelopes(t, "b", 1, 1)
	now := suiteNow()
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, append(append([]es.Envelope{}, a...), b...), now))

	got := claim(t, s, "r1", 10, now)
	require.Equal(t, []string{a[0].EventID, b[0].EventID}, ids(got))
	ok, err := s.MarkFailed(ctx, suiteOutbox, got[0].Claim(), outbox.Failure{
		Error: "broker down: 'quoted' \"text\" 日本", At: now, NextAttemptAt: now.Add(10 * time.Second),
	})
	require.NoError(t, err)
	require.True(t, ok)
	assert.Empty(t, claim(t, s, "r1", 10, now.Add(9*time.Second)), "not due before its next attempt; its aggregate waits")
	p := pending(t, s)
	require.Len(t, p, 3)
	assert.Equal(t, "broker down: 'quoted' \"text\" 日本", p[0].LastError)
	assert.True(t, p[0].NextAttemptAt.Equal(now.Add(10*time.Second)))
	assert.True(t, p[0].LastAttemptAt.Equal(now))
	assert.Empty(t, p[0].ClaimedBy, "a failure ends the claim")

	at := now.Add(10 * time.Second)
	again := claim(t, s, "r1", 10, at)
	require.Equal(t, []string{a[0].EventID}, ids(again))
	assert.Equal(t, 2, again[0].Attempts)
	ok, err = s.MarkFailed(ctx, suiteOutbox, again[0].Claim(), outbox.Failure{Error: "still down", At: at, Dead: true})
	require.NoError(t, err)
	require.True(t, ok)

	dead, err := s.DeadLetters(ctx, suiteOutbox, 10)
	require.NoError(t, err)
	require.Len(t, dead, 1)
	assert.Equal(t, a[0].EventID, dead[0].ID)
	assert.True(t, dead[0].Dead)
	assert.Equal(t, 2, dead[0].Attempts)
	assert.Equal(t, "still down", dead[0].LastError)
	checkRoundTrip(t, "dead letter", wantStored(t, a[0]), dead[0].Event)
	assert.Equal(t, []string{a[1].EventID, b[0].EventID}, ids(pending(t, s)), "a dead letter is not pending")
	assert.Equal(t, []string{a[1].EventID}, ids(claim(t, s, "r1", 10, at)), "a dead letter no longer holds back its aggregate")

	require.NoError(t, s.Retry(ctx, suiteOutbox, a[0].EventID))
	p = pending(t, s)
	require.Equal(t, []string{a[0].EventID, a[1].EventID, b[0].EventID}, ids(p), "a retried record is pending in its place")
	assert.Zero(t, p[0].Attempts)
	assert.False(t, p[0].Dead)
	assert.Equal(t, "still down", p[0].LastError, "the last error stays for the record")
	dead, err = s.DeadLetters(ctx, suiteOutbox, 10)
	require.NoError(t, err)
	assert.Empty(t, dead)

	err = s.Retry(ctx, suiteOutbox, a[0].EventID)
	require.ErrorIs(t, err, outbox.ErrNoDeadLetter, "a pending record is not a dead letter")
	require.ErrorIs(t, s.Retry(ctx, suiteOutbox, "unknown"), outbox.ErrNoDeadLetter)
	require.ErrorIs(t, s.Retry(ctx, "other", a[0].EventID), outbox.ErrNoDeadLetter)

	// Dead letters: the most recently failed first.
	c := OutboxEnvelopes(t, "c", 1, 1)
	d := OutboxEnvelopes(t, "d", 1, 1)
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, append(c, d...), at))
	for i, env := range []es.Envelope{d[0], c[0]} {
		for _, r := range claim(t, s, "r9", 10, at) {
			if r.ID == env.EventID {
				_, err := s.MarkFailed(ctx, suiteOutbox, r.Claim(), outbox.Failure{Error: "x", At: at.Add(time.Duration(i) * time.Second), Dead: true})
				require.NoError(t, err)
			} else {
				require.NoError(t, s.Release(ctx, suiteOutbox, []outbox.Claim{r.Claim()}))
			}
		}
	}
	dead, err = s.DeadLetters(ctx, suiteOutbox, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{c[0].EventID, d[0].EventID}, ids(dead), "most recently failed first")
	dead, err = s.DeadLetters(ctx, suiteOutbox, 1)
	require.NoError(t, err)
	assert.Len(t, dead, 1, "limit")
}

func testOutboxRelease(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	envs := OutboxEnvelopes(t, "a", 1, 1)
	now := suiteNow()
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, envs, now))
	got := claim(t, s, "r1", 1, now)
	require.Len(t, got, 1)
	require.NoError(t, s.Release(ctx, suiteOutbox, claimsOf(got)))
	p := pending(t, s)
	require.Len(t, p, 1)
	assert.Zero(t, p[0].Attempts, "a released claim takes its attempt back")
	assert.Empty(t, p[0].ClaimedBy)
	again := claim(t, s, "r2", 1, now)
	require.Len(t, again, 1, "due at once")
	assert.Equal(t, 1, again[0].Attempts)
	require.NoError(t, s.Release(ctx, suiteOutbox, claimsOf(got)), "a claim that is no longer current is ignored")
	assert.Equal(t, "r2", pending(t, s)[0].ClaimedBy)
	require.NoError(t, s.Release(ctx, suiteOutbox, nil))
}

func testOutboxPrune(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	var envs []es.Envelope
	for i := range 5 {
		envs = append(envs, OutboxEnvelopes(t, fmt.Sprintf("a%d", i), 1, 1)...)
	}
	now := suiteNow()
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, envs, now))
	got := claim(t, s, "r1", 10, now)
	require.Len(t, got, 5)
	for i, r := range got[:4] {
		n, err := s.MarkDelivered(ctx, suiteOutbox, []outbox.Claim{r.Claim()}, now.Add(time.Duration(i)*time.Second))
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}
	n, err := s.Prune(ctx, suiteOutbox, now.Add(2*time.Second), 1)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "limit")
	n, err = s.Prune(ctx, suiteOutbox, now.Add(2*time.Second), 100)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "only records delivered before the time")
	n, err = s.Prune(ctx, "other", now.Add(time.Hour), 100)
	require.NoError(t, err)
	assert.Zero(t, n, "another outbox's records stay")
	n, err = s.Prune(ctx, suiteOutbox, now.Add(time.Hour), 100)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, []string{got[4].ID}, ids(pending(t, s)), "pending records are never pruned")

	// A pruned event can be enqueued again: it is a new record.
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, envs[:1], now))
	assert.Len(t, pending(t, s), 2)
}

func testOutboxesApart(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	envs := OutboxEnvelopes(t, "a", 1, 1)
	now := suiteNow()
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, envs, now))
	require.NoError(t, s.Enqueue(ctx, "audit", envs, now), "the same event in another outbox")
	got := claim(t, s, "r1", 10, now)
	require.Len(t, got, 1)
	other, err := s.Claim(ctx, outbox.ClaimRequest{Outbox: "audit", Owner: "r2", Limit: 10, Now: now, Until: now.Add(time.Minute)})
	require.NoError(t, err)
	require.Len(t, other, 1, "another outbox's claim does not hold back this one")
	n, err := s.MarkDelivered(ctx, "audit", claimsOf(got), now)
	require.NoError(t, err)
	assert.Zero(t, n, "a claim of one outbox does not mark another's")
	n, err = s.MarkDelivered(ctx, "audit", claimsOf(other), now)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Len(t, pending(t, s), 1)
}

// badTimes are times no outbox store takes as an enqueue, delivery or prune time: unset, or
// outside the years 1 to 9999 in UTC.
func badTimes() map[string]time.Time {
	return map[string]time.Time{
		"zero":              {},
		"year 0":            time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC),
		"year 0 in UTC":     time.Date(1, 1, 1, 0, 30, 0, 0, time.FixedZone("+01", 3600)),
		"year 10000":        time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		"year 10000 in UTC": time.Date(9999, 12, 31, 23, 30, 0, 0, time.FixedZone("-01", -3600)),
	}
}

// testOutboxBadCalls: every method refuses bad arguments with es.ErrInvalidArgument.
func testOutboxBadCalls(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	now := suiteNow()
	good := outbox.ClaimRequest{Outbox: suiteOutbox, Owner: "r", Limit: 1, Now: now, Until: now.Add(time.Second)}
	for name, mutate := range map[string]func(r *outbox.ClaimRequest){
		"no owner":       func(r *outbox.ClaimRequest) { r.Owner = "" },
		"owner too long": func(r *outbox.ClaimRequest) { r.Owner = strings.Repeat("o", 65) },
		"no outbox":      func(r *outbox.ClaimRequest) { r.Outbox = "" },
		"zero limit":     func(r *outbox.ClaimRequest) { r.Limit = 0 },
		"huge limit":     func(r *outbox.ClaimRequest) { r.Limit = outbox.MaxBatchSize + 1 },
		"until = now":    func(r *outbox.ClaimRequest) { r.Until = r.Now },
		"year 10000":     func(r *outbox.ClaimRequest) { r.Until = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"zero now":       func(r *outbox.ClaimRequest) { r.Now = time.Time{} },
	} {
		req := good
		mutate(&req)
		_, err := s.Claim(ctx, req)
		require.ErrorIs(t, err, es.ErrInvalidArgument, name)
	}
	bad := []outbox.Claim{{ID: "", Owner: "r", Attempt: 1}}
	_, err := s.MarkDelivered(ctx, suiteOutbox, bad, now)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	require.ErrorIs(t, s.Release(ctx, suiteOutbox, []outbox.Claim{{ID: "x", Owner: "r", Attempt: 0}}), es.ErrInvalidArgument)
	_, err = s.MarkFailed(ctx, suiteOutbox, outbox.Claim{ID: "x", Owner: "r", Attempt: 1}, outbox.Failure{Error: "a\x00b", At: now})
	require.ErrorIs(t, err, es.ErrInvalidArgument, "NUL in the error text")
	_, err = s.MarkFailed(ctx, suiteOutbox, outbox.Claim{ID: "x", Owner: "r", Attempt: 1}, outbox.Failure{Error: strings.Repeat("e", storekit.MaxOutboxErrorBytes+1), At: now})
	require.ErrorIs(t, err, es.ErrInvalidArgument, "error text too long")
	_, err = s.Pending(ctx, suiteOutbox, 0)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	_, err = s.DeadLetters(ctx, suiteOutbox, -1)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	_, err = s.Prune(ctx, suiteOutbox, now, 0)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	// A zero delivery time once counted a record delivered yet left it live, and no prune ever
	// removed it.
	require.NoError(t, s.Enqueue(ctx, "times", OutboxEnvelopes(t, "a", 1, 1), now))
	held, err := s.Claim(ctx, outbox.ClaimRequest{Outbox: "times", Owner: "r", Limit: 1, Now: now, Until: now.Add(time.Minute)})
	require.NoError(t, err)
	require.Len(t, held, 1)
	for name, at := range badTimes() {
		_, err = s.MarkDelivered(ctx, "times", claimsOf(held), at)
		require.ErrorIs(t, err, es.ErrInvalidArgument, "delivery time: %s", name)
		_, err = s.Prune(ctx, "times", at, 10)
		require.ErrorIs(t, err, es.ErrInvalidArgument, "prune time: %s", name)
	}
	n, err := s.MarkDelivered(ctx, "times", claimsOf(held), now)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the refused calls left the claim as it was")
	assert.Zero(t, pendingCount(t, s, "times"))
	pruned, err := s.Prune(ctx, "times", now.Add(time.Second), 10)
	require.NoError(t, err)
	assert.Equal(t, 1, pruned)
	require.ErrorIs(t, s.Retry(ctx, suiteOutbox, ""), es.ErrInvalidArgument)
	require.ErrorIs(t, s.Retry(ctx, suiteOutbox, "a\x00"), es.ErrInvalidArgument)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	require.Error(t, s.Enqueue(cancelled, suiteOutbox, OutboxEnvelopes(t, "a", 1, 1), now), "a cancelled context")
	assert.Zero(t, pendingCount(t, s, suiteOutbox))
}

// testOutboxConcurrentClaims: eight stores on the same data (eight processes) claim and mark
// 400 records of 40 aggregates at once: each record is claimed once, and each aggregate's
// records in enqueue order.
func testOutboxConcurrentClaims(t *testing.T, newTarget OutboxStoreFactory) {
	concurrentClaims(t, newTarget, 7, 0)
}

// concurrentClaims is the concurrent claims case, each claim taking up to limit records and
// run of each aggregate (see outbox.ClaimRequest.PerAggregate).
func concurrentClaims(t *testing.T, newTarget OutboxStoreFactory, limit, run int) {
	ctx := context.Background()
	tg := newTarget(t)
	const aggregates, perAggregate, workers = 40, 10, 8
	var all []es.Envelope
	for seq := 1; seq <= perAggregate; seq++ {
		for a := range aggregates {
			all = append(all, OutboxEnvelopes(t, fmt.Sprintf("agg-%02d", a), seq, 1)...)
		}
	}
	require.NoError(t, tg.Store.Enqueue(ctx, suiteOutbox, all, suiteNow()))

	var (
		mu      sync.Mutex
		claimed = map[string]int{}
		order   = map[string][]int64{}
		done    atomic.Int64
		stop    atomic.Bool // set by a worker that failed
		wg      sync.WaitGroup
	)
	errs := make(chan error, workers)
	for w := range workers {
		s, _ := tg.Open(t)
		wg.Go(func() {
			owner := fmt.Sprintf("w%d", w)
			fail := func(err error) {
				errs <- err
				stop.Store(true) // the others stop too: this worker's claims would hold its records for an hour
			}
			for !stop.Load() && done.Load() < int64(len(all)) {
				now := time.Now()
				recs, err := s.Claim(ctx, outbox.ClaimRequest{Outbox: suiteOutbox, Owner: owner, Limit: limit, PerAggregate: run,
					Now: now, Until: now.Add(time.Hour)})
				if err != nil {
					fail(fmt.Errorf("%s: claim: %w", owner, err))
					return
				}
				mu.Lock()
				for _, r := range recs {
					claimed[r.ID]++
					order[r.Event.AggregateID] = append(order[r.Event.AggregateID], r.Event.Sequence)
				}
				mu.Unlock()
				if len(recs) == 0 {
					time.Sleep(time.Millisecond)
					continue
				}
				n, err := s.MarkDelivered(ctx, suiteOutbox, claimsOf(recs), time.Now())
				if err != nil {
					fail(fmt.Errorf("%s: mark: %w", owner, err))
					return
				}
				if n != len(recs) {
					fail(fmt.Errorf("%s: marked %d of %d", owner, n, len(recs)))
					return
				}
				done.Add(int64(n))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	require.Len(t, claimed, len(all))
	for id, n := range claimed {
		assert.Equal(t, 1, n, "record %s claimed %d times", id, n)
	}
	for agg, seqs := range order {
		for i, seq := range seqs {
			require.Equal(t, int64(i+1), seq, "aggregate %s: claims in order, got %v", agg, seqs)
		}
	}
	assert.Zero(t, pendingCount(t, tg.Store, suiteOutbox))
}
