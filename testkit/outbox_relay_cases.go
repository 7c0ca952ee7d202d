package testkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
)

// outboxAccount is the aggregate of the repository cases.
type outboxAccount struct {
	es.AggregateRoot
	Balance int
}

type accountOpened struct {
	Owner string `json:"owner"`
}

type accountDeposited struct {
	Amount int `json:"amount"`
}

func newOutboxAccount() *outboxAccount {
	a := &outboxAccount{}
	es.When(a, func(accountOpened) {})
	es.When(a, func(e accountDeposited) { a.Balance += e.Amount })
	return a
}

// testRelayCommitAndRollback: a transaction that rolls back after enqueueing publishes nothing;
// one that commits publishes each record once, as does an enqueue outside a transaction.
func testRelayCommitAndRollback(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	rec := &PublishRecorder{}
	ob := startOutbox(t, tg.Store, rec.Publish, fastOptions(t, outbox.WithName(suiteOutbox))...)
	boom := errors.New("boom")

	rolled := OutboxEnvelopes(t, "rolled", 1, 2)
	err := tg.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := ob.EnqueueEvents(ctx, rolled); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	committed := OutboxEnvelopes(t, "committed", 1, 2)
	require.NoError(t, tg.Tx.InTx(ctx, func(ctx context.Context) error { return ob.EnqueueEvents(ctx, committed) }))
	outside := OutboxEnvelopes(t, "outside", 1, 1)
	require.NoError(t, ob.Enqueue(ctx, outside[0]))

	want := append(append([]es.Envelope{}, committed...), outside...)
	waitFor(t, time.Minute, text("every committed record published"), func() bool { return rec.Distinct() == len(want) })
	waitFor(t, time.Minute, text("nothing pending"), func() bool { return pendingCount(t, tg.Store, suiteOutbox) == 0 })
	require.NoError(t, ob.Stop(ctx))
	for _, e := range want {
		assert.Equal(t, 1, rec.Calls(e.EventID), "event %s published once", e.EventID)
	}
	for _, e := range rolled {
		assert.Zero(t, rec.Calls(e.EventID), "rolled-back event %s never published", e.EventID)
	}
	assert.Empty(t, rec.OrderProblem())
}

// testRelayRepositorySave: es.WithOutbox enqueues every saved event in the append's transaction;
// a save that fails enqueues nothing.
func testRelayRepositorySave(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := es.WithCorrelationID(context.Background(), "corr-1")
	tg := newTarget(t)
	rec := &PublishRecorder{}
	ob := startOutbox(t, tg.Store, rec.Publish, fastOptions(t)...)
	repo, err := es.NewRepository(tg.Events, newOutboxAccount, es.WithOutbox(ob), es.WithAggregateType("Account"))
	require.NoError(t, err)

	acc := newOutboxAccount()
	acc.ID = "acc-1"
	require.NoError(t, acc.Apply(accountOpened{Owner: "ada"}))
	require.NoError(t, acc.Apply(accountDeposited{Amount: 5}))
	require.NoError(t, repo.Save(ctx, acc))

	first, err := repo.Load(ctx, "acc-1")
	require.NoError(t, err)
	second, err := repo.Load(ctx, "acc-1")
	require.NoError(t, err)
	require.NoError(t, first.Apply(accountDeposited{Amount: 1}))
	require.NoError(t, second.Apply(accountDeposited{Amount: 2}))
	require.NoError(t, repo.Save(ctx, first))
	require.ErrorIs(t, repo.Save(ctx, second), es.ErrConcurrency)

	waitFor(t, time.Minute, text("the saved events published"), func() bool { return rec.Distinct() == 3 })
	waitFor(t, time.Minute, text("nothing pending"), func() bool { return pendingCount(t, tg.Store, outbox.DefaultName) == 0 })
	require.NoError(t, ob.Stop(ctx))
	successes, duplicates, failures := rec.Stats()
	assert.Equal(t, 3, successes, "the events of the failed save are never published")
	assert.Zero(t, duplicates+failures)
	assert.Empty(t, rec.OrderProblem())
	stored, err := tg.Events.Load(ctx, "acc-1", 0)
	require.NoError(t, err)
	require.Len(t, stored, 3)
	for _, e := range stored {
		assert.Equal(t, 1, rec.Calls(e.EventID), "stored event %d published", e.Sequence)
	}
}

// testRelayFlakyPublisher: 1,000 events, a publisher failing 30% of the time at random, three
// outboxes on three stores of the same data (three processes), enqueueing while they run: every
// event is published, in order per aggregate, none lost.
func testRelayFlakyPublisher(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	const aggregates, perAggregate, perTx = 100, 10, 10
	errFlaky := errors.New("broker hiccup")
	rec := &PublishRecorder{Fail: func(context.Context, es.Envelope) error {
		if rand.IntN(100) < 30 {
			return errFlaky
		}
		return nil
	}}
	var obs []*outbox.Outbox
	for i := range 3 {
		s, _ := tg.Open(t)
		obs = append(obs, startOutbox(t, s, rec.Publish, fastOptions(t,
			outbox.WithMaxAttempts(1000), outbox.WithBatchSize(16), outbox.WithRelays(2),
			outbox.WithBackoff(time.Millisecond, 5*time.Millisecond), outbox.WithOwner(fmt.Sprintf("relay-%d", i)),
			outbox.WithLogger(slog.New(slog.DiscardHandler)))...))
	}
	// The application writes through the target's store; the relays run on their own.
	app, err := outbox.New(tg.Store, rec.Publish)
	require.NoError(t, err)
	for seq := 1; seq <= perAggregate; seq++ {
		for a := 0; a < aggregates; a += perTx {
			require.NoError(t, tg.Tx.InTx(ctx, func(ctx context.Context) error {
				var envs []es.Envelope
				for k := a; k < a+perTx; k++ {
					envs = append(envs, OutboxEnvelopes(t, fmt.Sprintf("agg-%03d", k), seq, 1)...)
				}
				return app.EnqueueEvents(ctx, envs)
			}))
		}
	}
	total := aggregates * perAggregate
	waitFor(t, time.Minute, text("every event published"), func() bool { return rec.Distinct() == total })
	for _, ob := range obs {
		require.NoError(t, ob.Stop(ctx))
	}
	successes, duplicates, failures := rec.Stats()
	t.Logf("%d events: %d successful publishes, %d duplicates, %d failed attempts", total, successes, duplicates, failures)
	assert.Equal(t, total, rec.Distinct(), "none lost")
	assert.Empty(t, rec.OrderProblem())
	assert.Zero(t, pendingCount(t, tg.Store, outbox.DefaultName))
	dead, err := tg.Store.DeadLetters(ctx, outbox.DefaultName, 10)
	require.NoError(t, err)
	assert.Empty(t, dead)
	assert.Positive(t, failures, "the publisher failed some attempts")
}

// testRelayDeadLetters: a publisher that always fails dead-letters each record after exactly
// max attempts, with its last error; Retry brings each back and it is delivered.
func testRelayDeadLetters(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	var failing atomic.Bool
	failing.Store(true)
	rec := &PublishRecorder{Fail: func(context.Context, es.Envelope) error {
		if failing.Load() {
			return errors.New("broker refused: no route")
		}
		return nil
	}}
	const maxAttempts = 3
	ob := startOutbox(t, tg.Store, rec.Publish, fastOptions(t, outbox.WithMaxAttempts(maxAttempts),
		outbox.WithLogger(slog.New(slog.DiscardHandler)))...)
	envs := OutboxEnvelopes(t, "a", 1, 2)
	for _, id := range []string{"b", "c", "d"} {
		envs = append(envs, OutboxEnvelopes(t, id, 1, 1)...)
	}
	require.NoError(t, ob.EnqueueEvents(ctx, envs))

	var dead []outbox.Record
	waitFor(t, time.Minute, text("every record dead"), func() bool {
		var err error
		dead, err = ob.DeadLetters(ctx, 100)
		require.NoError(t, err)
		return len(dead) == len(envs)
	})
	pend, err := ob.Pending(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, pend)
	for _, d := range dead {
		assert.Equal(t, maxAttempts, d.Attempts, "record %s", d.ID)
		assert.Equal(t, "broker refused: no route", d.LastError)
		assert.True(t, d.Dead)
		assert.Equal(t, maxAttempts, rec.Calls(d.ID), "exactly max attempts for %s", d.ID)
	}

	failing.Store(false)
	for _, e := range envs { // in enqueue order, so the aggregate's order holds
		require.NoError(t, ob.Retry(ctx, e.EventID))
	}
	waitFor(t, time.Minute, text("every retried record delivered"), func() bool { return rec.Distinct() == len(envs) })
	waitFor(t, time.Minute, text("nothing pending"), func() bool { return pendingCount(t, tg.Store, outbox.DefaultName) == 0 })
	for _, e := range envs {
		assert.Equal(t, maxAttempts+1, rec.Calls(e.EventID))
	}
	assert.Empty(t, rec.OrderProblem())
	dead, err = ob.DeadLetters(ctx, 100)
	require.NoError(t, err)
	assert.Empty(t, dead)
	require.ErrorIs(t, ob.Retry(ctx, envs[0].EventID), outbox.ErrNoDeadLetter)
}

// testRelayRestart: records left by a stopped relay are delivered by a new relay on another
// store of the same data. Stop gives up on a publish that hangs: the records of the batch it had
// not started are given back at once, the hung one once its claim expires.
func testRelayRestart(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	var envs []es.Envelope
	for i := range 30 {
		envs = append(envs, OutboxEnvelopes(t, fmt.Sprintf("agg-%02d", i), 1, 1)...)
	}
	require.NoError(t, tg.Store.Enqueue(ctx, outbox.DefaultName, envs, time.Now()))

	s1, _ := tg.Open(t)
	var calls atomic.Int32
	hung := make(chan string, 1)
	first := &PublishRecorder{Fail: func(ctx context.Context, e es.Envelope) error {
		n := calls.Add(1)
		if n <= 10 {
			return nil
		}
		if n == 11 {
			hung <- e.EventID
		}
		<-ctx.Done() // the broker hangs
		return ctx.Err()
	}}
	timing := []outbox.Option{
		outbox.WithBatchSize(5), outbox.WithPublishTimeout(time.Second), outbox.WithClaimTimeout(2 * time.Second),
		outbox.WithPollInterval(20 * time.Millisecond), outbox.WithLogger(slog.New(slog.DiscardHandler)),
	}
	ob1, err := outbox.New(s1, first.Publish, append(timing, outbox.WithOwner("first"))...)
	require.NoError(t, err)
	require.NoError(t, ob1.Start(ctx))
	hungID := <-hung
	stopCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, ob1.Stop(stopCtx), context.DeadlineExceeded, "Stop gives up on the hung publish")
	var hungUntil time.Time
	waitFor(t, time.Minute, text("the stopped relay's unstarted records given back"), func() bool {
		p, err := tg.Store.Pending(ctx, outbox.DefaultName, 100)
		require.NoError(t, err)
		var claimed []string
		for _, r := range p {
			if r.ClaimedBy != "" {
				claimed = append(claimed, r.ID)
				hungUntil = r.ClaimedUntil
			}
		}
		return len(p) == len(envs)-10 && len(claimed) == 1 && claimed[0] == hungID // only the hung record stays claimed
	})

	s2, _ := tg.Open(t)
	var hungAt atomic.Pointer[time.Time]
	second := &PublishRecorder{Fail: func(_ context.Context, e es.Envelope) error {
		if e.EventID == hungID {
			now := time.Now()
			hungAt.Store(&now)
		}
		return nil
	}}
	startOutbox(t, s2, second.Publish, append(timing, outbox.WithOwner("second"), outbox.WithClaimTimeout(time.Second),
		outbox.WithPublishTimeout(500*time.Millisecond))...)
	waitFor(t, time.Minute, text("the rest delivered by the new relay"), func() bool { return second.Distinct() == len(envs)-10 })
	waitFor(t, time.Minute, text("nothing pending"), func() bool { return pendingCount(t, tg.Store, outbox.DefaultName) == 0 })
	for _, e := range envs {
		assert.Equal(t, 1, first.Delivered(e.EventID)+second.Delivered(e.EventID), "event %s delivered once", e.EventID)
	}
	assert.False(t, hungAt.Load().Before(hungUntil), "the hung record is taken over only once its claim expired")
}

// testRelayKilled: a relay killed while holding records (its store dies mid-publish, no Stop)
// loses none: another relay delivers them once the claim times out, not before.
func testRelayKilled(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	var envs []es.Envelope
	for i := range 20 {
		envs = append(envs, OutboxEnvelopes(t, fmt.Sprintf("agg-%02d", i), 1, 1)...)
	}
	require.NoError(t, tg.Store.Enqueue(ctx, outbox.DefaultName, envs, time.Now()))

	sk, kill := tg.Open(t)
	var once sync.Once
	killed := make(chan struct{})
	victim := &PublishRecorder{Fail: func(ctx context.Context, _ es.Envelope) error {
		first := false
		once.Do(func() {
			kill() // the process dies right after the broker took the first event
			first = true
			close(killed)
		})
		if first {
			return nil
		}
		<-ctx.Done() // a dead process publishes nothing more
		return ctx.Err()
	}}
	startOutbox(t, sk, victim.Publish, append(killTiming(), outbox.WithOwner("victim"))...) // dies with its store
	<-killed

	claimEnds := heldByVictim(t, tg.Store, len(envs), "the victim claimed every record")
	survivor := survive(t, tg, claimEnds, len(envs), func(context.Context, es.Envelope) error { return nil })
	for _, e := range envs {
		assert.Equal(t, 1, survivor.Delivered(e.EventID), "event %s", e.EventID)
	}
	_, duplicates, _ := victim.Stats()
	t.Logf("victim published %d event before it died; the survivor delivered all %d", victim.Distinct(), len(envs))
	assert.Zero(t, duplicates)
}
