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

// testRelayRunStopsAtFailure: a relay publishes each aggregate's records as a run; a failed
// publish ends its aggregate's run there, the records after it are given back untried (no
// attempt charged) and wait behind it, while other aggregates flow; once the publish succeeds the
// rest follows, in order.
func testRelayRunStopsAtFailure(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	a := OutboxEnvelopes(t, "a", 1, 6)
	b := OutboxEnvelopes(t, "b", 1, 3)
	var failing atomic.Bool
	failing.Store(true)
	rec := &PublishRecorder{Fail: func(_ context.Context, e es.Envelope) error {
		if e.EventID == a[2].EventID && failing.Load() {
			return errors.New("broker refused a3")
		}
		return nil
	}}
	require.NoError(t, tg.Store.Enqueue(ctx, outbox.DefaultName, append(append([]es.Envelope{}, a...), b...), time.Now()))
	opts := fastOptions(t, outbox.WithMaxAttempts(1000),
		outbox.WithBackoff(20*time.Millisecond, 20*time.Millisecond), outbox.WithLogger(slog.New(slog.DiscardHandler)))
	ob := startOutbox(t, tg.Store, rec.Publish, opts...)

	waitFor(t, time.Minute, text("a1, a2 and b delivered, a3 failing"), func() bool {
		return rec.Distinct() == 5 && rec.Calls(a[2].EventID) >= 2
	})
	require.NoError(t, ob.Stop(ctx)) // its last round given back: what is pending stays still
	p := pendingIn(t, tg.Store, outbox.DefaultName)
	require.Equal(t, eventIDs(a[2:]), ids(p), "a3 and the records behind it wait")
	assert.Equal(t, "broker refused a3", p[0].LastError)
	for _, r := range p[1:] {
		assert.Zero(t, r.Attempts, "record %s behind the failed one is charged no attempt", r.ID)
		assert.Empty(t, r.ClaimedBy, "record %s given back", r.ID)
		assert.Empty(t, r.LastError)
		assert.Zero(t, rec.Calls(r.ID), "record %s is never tried before a3 is delivered", r.ID)
	}

	failing.Store(false)
	require.NoError(t, ob.Start(ctx))
	waitFor(t, time.Minute, text("every record delivered"), func() bool { return rec.Distinct() == len(a)+len(b) })
	waitFor(t, time.Minute, text("nothing pending"), func() bool { return pendingCount(t, tg.Store, outbox.DefaultName) == 0 })
	assert.Empty(t, rec.OrderProblem())
	_, duplicates, _ := rec.Stats()
	assert.Zero(t, duplicates)
	for _, e := range append(append([]es.Envelope{}, a[3:]...), b...) {
		assert.Equal(t, 1, rec.Calls(e.EventID), "event %s published once", e.EventID)
	}
}

// testRelayKilledMidRun: a relay killed in the middle of its runs (it published the first five
// records of one aggregate's run, its store then dies, no Stop) loses nothing: once its claims
// expire, and not before, another relay publishes every record, the rest of each run included;
// every event is published at least once, first in order per aggregate.
func testRelayKilledMidRun(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	var envs []es.Envelope
	for _, id := range []string{"a", "b", "c"} {
		envs = append(envs, OutboxEnvelopes(t, id, 1, 8)...)
	}
	require.NoError(t, tg.Store.Enqueue(ctx, outbox.DefaultName, envs, time.Now()))

	all := &PublishRecorder{} // what the broker received from both relays
	sk, kill := tg.Open(t)
	var (
		published atomic.Int32
		dead      atomic.Bool
	)
	killed := make(chan struct{})
	victim := &PublishRecorder{Fail: func(ctx context.Context, e es.Envelope) error {
		if dead.Load() {
			<-ctx.Done() // a dead process publishes nothing more
			return ctx.Err()
		}
		if err := all.Publish(ctx, e); err != nil {
			return err
		}
		if published.Add(1) == 5 {
			dead.Store(true)
			kill() // the process dies right after the broker took the fifth event of a's run
			close(killed)
		}
		return nil
	}}
	startOutbox(t, sk, victim.Publish, append(killTiming(), outbox.WithOwner("victim"))...) // dies with its store
	<-killed

	claimEnds := heldByVictim(t, tg.Store, len(envs), "the published records were never marked delivered, and the victim claimed every run whole")
	require.Equal(t, 5, all.Distinct())
	for _, e := range envs[:5] {
		require.Equal(t, 1, all.Delivered(e.EventID), "the victim published %s of a's run", e.EventID)
	}
	survive(t, tg, claimEnds, len(envs), all.Publish)
	assert.Equal(t, len(envs), all.Distinct(), "every event published at least once")
	assert.Empty(t, all.OrderProblem(), "first publications in order per aggregate")
	for i, e := range envs {
		want := 1
		if i < 5 {
			want = 2 // at least once: the victim's publications were never marked
		}
		assert.Equal(t, want, all.Delivered(e.EventID), "event %s (%s %d)", e.EventID, e.AggregateID, e.Sequence)
	}
	t.Logf("the victim published %d events of a run before it died; the survivor published all %d", victim.Distinct(), len(envs))
}

// killTiming are the relay settings of the cases that kill a relay: claims of a second,
// publishes of at most 300 ms.
func killTiming() []outbox.Option {
	return []outbox.Option{
		outbox.WithPublishTimeout(300 * time.Millisecond), outbox.WithClaimTimeout(time.Second),
		outbox.WithPollInterval(20 * time.Millisecond), outbox.WithLogger(slog.New(slog.DiscardHandler)),
	}
}

// heldByVictim checks that the victim holds each of the n pending records and returns when the
// last of its claims ends.
func heldByVictim(t *testing.T, s outbox.Store, n int, what string) time.Time {
	t.Helper()
	held := pendingIn(t, s, outbox.DefaultName)
	require.Len(t, held, n, what)
	var claimEnds time.Time
	for _, r := range held {
		require.Equal(t, "victim", r.ClaimedBy, what)
		if r.ClaimedUntil.After(claimEnds) {
			claimEnds = r.ClaimedUntil
		}
	}
	return claimEnds
}

// survive starts a relay (owner "survivor") on another store of the same data, publishing
// through publish, waits until it published n events and nothing is pending, and checks that it
// published nothing before claimEnds. It returns what the survivor published.
func survive(t *testing.T, tg OutboxTarget, claimEnds time.Time, n int, publish outbox.PublishFunc) *PublishRecorder {
	t.Helper()
	ss, _ := tg.Open(t)
	var firstAt atomic.Pointer[time.Time]
	survivor := &PublishRecorder{Fail: func(ctx context.Context, e es.Envelope) error {
		now := time.Now()
		firstAt.CompareAndSwap(nil, &now)
		return publish(ctx, e)
	}}
	startOutbox(t, ss, survivor.Publish, append(killTiming(), outbox.WithOwner("survivor"), outbox.WithLogger(suiteLogger(t)))...)
	waitFor(t, time.Minute, text("every record delivered by the survivor"), func() bool { return survivor.Distinct() == n })
	waitFor(t, time.Minute, text("nothing pending"), func() bool { return pendingCount(t, tg.Store, outbox.DefaultName) == 0 })
	assert.False(t, firstAt.Load().Before(claimEnds), "the survivor publishes only after the victim's claims expired (%v < %v)",
		firstAt.Load(), claimEnds)
	return survivor
}

// pendingIn lists the records of the named outbox that are neither delivered nor dead.
func pendingIn(t *testing.T, s outbox.Store, name string) []outbox.Record {
	t.Helper()
	recs, err := s.Pending(context.Background(), name, outbox.MaxBatchSize)
	require.NoError(t, err)
	return recs
}
