package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

var quiet = outbox.WithLogger(slog.New(slog.DiscardHandler))

// waitFor polls cond until it holds, failing after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func newOutbox(t *testing.T, store outbox.Store, publish outbox.PublishFunc, opts ...outbox.Option) *outbox.Outbox {
	t.Helper()
	ob, err := outbox.New(store, publish, append([]outbox.Option{
		outbox.WithPollInterval(10 * time.Millisecond), outbox.WithBackoff(time.Millisecond, time.Millisecond), quiet,
	}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = ob.Stop(ctx)
	})
	return ob
}

func pendingOf(t *testing.T, ob *outbox.Outbox) []outbox.Record {
	t.Helper()
	p, err := ob.Pending(context.Background(), 1000)
	require.NoError(t, err)
	return p
}

// TestRelaysOutliveStartContext: Start's context bounds only the start (Fx's has a deadline).
func TestRelaysOutliveStartContext(t *testing.T) {
	rec := &testkit.PublishRecorder{}
	ob := newOutbox(t, memory.NewOutboxStore(), rec.Publish)
	startCtx, cancel := context.WithCancel(context.Background())
	require.NoError(t, ob.Start(startCtx))
	cancel()
	envs := testkit.OutboxEnvelopes(t, "a", 1, 3)
	require.NoError(t, ob.EnqueueEvents(context.Background(), envs))
	waitFor(t, "delivery after Start's context ended", func() bool { return rec.Distinct() == 3 })

	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	require.NoError(t, ob.Start(cancelled), "Start on a started outbox does nothing")
}

func TestStartStopIdempotentAndRestartable(t *testing.T) {
	ctx := context.Background()
	rec := &testkit.PublishRecorder{}
	ob := newOutbox(t, memory.NewOutboxStore(), rec.Publish)
	require.NoError(t, ob.Stop(ctx), "Stop before Start")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	require.ErrorIs(t, ob.Start(cancelled), context.Canceled)
	require.NoError(t, ob.Start(ctx))
	require.NoError(t, ob.Start(ctx))
	require.NoError(t, ob.Stop(ctx))
	require.NoError(t, ob.Stop(ctx))

	require.NoError(t, ob.Enqueue(ctx, testkit.OutboxEnvelopes(t, "a", 1, 1)[0]))
	assert.Len(t, pendingOf(t, ob), 1, "nothing relays while stopped")
	require.NoError(t, ob.Start(ctx))
	waitFor(t, "delivery after a restart", func() bool { return rec.Distinct() == 1 })
}

// TestStopWaitsForPublishInFlight: Stop lets the publish in flight finish and records it, and
// gives back the records of the batch it did not start.
func TestStopWaitsForPublishInFlight(t *testing.T) {
	ctx := context.Background()
	entered, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	publish := func(ctx context.Context, e es.Envelope) error {
		if calls.Add(1) == 1 {
			close(entered)
			<-release
		}
		return nil
	}
	ob := newOutbox(t, memory.NewOutboxStore(), publish, outbox.WithBatchSize(5))
	var envs []es.Envelope
	for i := range 5 {
		envs = append(envs, testkit.OutboxEnvelopes(t, fmt.Sprintf("a%d", i), 1, 1)...)
	}
	require.NoError(t, ob.EnqueueEvents(ctx, envs))
	require.NoError(t, ob.Start(ctx))
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- ob.Stop(ctx) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a publish was in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	require.NoError(t, <-stopped)
	assert.Equal(t, int32(1), calls.Load(), "no publish starts after Stop")
	p := pendingOf(t, ob)
	require.Len(t, p, 4, "the publish in flight was recorded as delivered")
	for _, r := range p {
		assert.Empty(t, r.ClaimedBy, "the records not started were given back")
		assert.Zero(t, r.Attempts)
	}
}

func TestPublishTimeoutAndPanicFailTheAttempt(t *testing.T) {
	ctx := context.Background()
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	publish := func(ctx context.Context, e es.Envelope) error {
		switch e.AggregateID {
		case "hangs":
			<-hang // ignores its context
		case "panics":
			panic("publisher bug")
		}
		return nil
	}
	ob := newOutbox(t, memory.NewOutboxStore(), publish, outbox.WithMaxAttempts(1),
		outbox.WithPublishTimeout(50*time.Millisecond), outbox.WithClaimTimeout(time.Second))
	envs := append(testkit.OutboxEnvelopes(t, "hangs", 1, 1), testkit.OutboxEnvelopes(t, "panics", 1, 1)...)
	require.NoError(t, ob.EnqueueEvents(ctx, envs))
	require.NoError(t, ob.Start(ctx))
	var dead []outbox.Record
	waitFor(t, "both dead", func() bool {
		var err error
		dead, err = ob.DeadLetters(ctx, 10)
		require.NoError(t, err)
		return len(dead) == 2
	})
	errs := map[string]string{}
	for _, d := range dead {
		errs[d.Event.AggregateID] = d.LastError
	}
	assert.Equal(t, "publish timed out after 50ms", errs["hangs"])
	assert.Equal(t, "publish panicked: publisher bug", errs["panics"])
}

// hidden hides the store's commit notifications.
type hidden struct{ outbox.Store }

// TestWakesWithoutPolling: with an hour-long poll interval, records go out at once: after a
// commit the store signals, and after an enqueue outside a transaction the outbox wakes its own
// relays.
func TestWakesWithoutPolling(t *testing.T) {
	ctx := context.Background()
	for name, store := range map[string]outbox.Store{
		"commit notifications": memory.NewOutboxStore(),
		"own enqueues":         hidden{memory.NewOutboxStore()},
	} {
		t.Run(name, func(t *testing.T) {
			rec := &testkit.PublishRecorder{}
			ob := newOutbox(t, store, rec.Publish, outbox.WithPollInterval(time.Hour), outbox.WithRelays(3))
			require.NoError(t, ob.Start(ctx))
			time.Sleep(20 * time.Millisecond) // the relays are idle, waiting
			if _, ok := store.(hidden); ok {
				require.NoError(t, ob.Enqueue(ctx, testkit.OutboxEnvelopes(t, "a", 1, 1)[0]))
			} else {
				require.NoError(t, memory.InTx(ctx, func(ctx context.Context) error {
					return ob.Enqueue(ctx, testkit.OutboxEnvelopes(t, "a", 1, 1)[0])
				}))
			}
			waitFor(t, "delivery before the poll interval", func() bool { return rec.Distinct() == 1 })
		})
	}
}

// counting counts the records its store prunes.
type counting struct {
	outbox.Store
	pruned atomic.Int64
}

func (c *counting) Prune(ctx context.Context, name string, before time.Time, limit int) (int, error) {
	n, err := c.Store.Prune(ctx, name, before, limit)
	c.pruned.Add(int64(n))
	return n, err
}

func TestDeliveredRecordsPrunedAfterRetention(t *testing.T) {
	ctx := context.Background()
	store := &counting{Store: memory.NewOutboxStore()}
	rec := &testkit.PublishRecorder{}
	ob := newOutbox(t, store, rec.Publish, outbox.WithRetention(0))
	envs := testkit.OutboxEnvelopes(t, "a", 1, 5)
	require.NoError(t, ob.EnqueueEvents(ctx, envs))
	require.NoError(t, ob.Start(ctx))
	waitFor(t, "every delivered record pruned", func() bool { return store.pruned.Load() == 5 })
	require.NoError(t, ob.Stop(ctx))
	require.NoError(t, ob.Enqueue(ctx, envs[0]))
	assert.Len(t, pendingOf(t, ob), 1, "a pruned event enqueued again is a new record")

	kept := &counting{Store: memory.NewOutboxStore()}
	ob2 := newOutbox(t, kept, rec.Publish, outbox.WithRetention(time.Hour))
	require.NoError(t, ob2.EnqueueEvents(ctx, testkit.OutboxEnvelopes(t, "b", 1, 2)))
	require.NoError(t, ob2.Start(ctx))
	waitFor(t, "delivered", func() bool { return len(pendingOf(t, ob2)) == 0 })
	require.NoError(t, ob2.Stop(ctx))
	assert.Zero(t, kept.pruned.Load(), "records within the retention are kept")
}

// TestRepositoryNeedsAJoiningOutbox: an outbox that would write outside the append's transaction
// fails the save, so no record can outlive rolled-back events.
func TestRepositoryNeedsAJoiningOutbox(t *testing.T) {
	ob := newOutbox(t, notJoining{memory.NewOutboxStore()}, noPublish)
	type opened struct{ Owner string }
	type account struct{ es.AggregateRoot }
	factory := func() *account {
		a := &account{}
		es.When(a, func(opened) {})
		return a
	}
	repo, err := es.NewRepository(memory.NewEventStore(), factory, es.WithOutbox(ob))
	require.NoError(t, err)
	a := factory()
	a.ID = "a"
	require.NoError(t, a.Apply(opened{Owner: "x"}))
	err = repo.Save(context.Background(), a)
	require.Error(t, err)
	assert.ErrorContains(t, err, "does not write through the event store's transaction")
	assert.Empty(t, pendingOf(t, ob))
}

type notJoining struct{ outbox.Store }

func (notJoining) JoinsTx(context.Context) bool { return false }

// TestTimedOutPublishHoldsTheRecordUntilItsClaimEnds: a publish abandoned at its timeout may
// still reach the broker, so the record is not tried again before the claim it ran under ends,
// whatever the back-off says.
func TestTimedOutPublishHoldsTheRecordUntilItsClaimEnds(t *testing.T) {
	ctx := context.Background()
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	publish := func(context.Context, es.Envelope) error { <-hang; return nil } // ignores its context
	ob := newOutbox(t, memory.NewOutboxStore(), publish, outbox.WithMaxAttempts(3),
		outbox.WithPublishTimeout(20*time.Millisecond), outbox.WithClaimTimeout(time.Second))
	require.NoError(t, ob.Enqueue(ctx, testkit.OutboxEnvelopes(t, "a", 1, 1)[0]))
	require.NoError(t, ob.Start(ctx))
	var rec outbox.Record
	waitFor(t, "the first attempt failed", func() bool {
		p := pendingOf(t, ob)
		if len(p) == 1 && p[0].LastError != "" {
			rec = p[0]
			return true
		}
		return false
	})
	assert.Equal(t, "publish timed out after 20ms", rec.LastError)
	assert.Greater(t, rec.NextAttemptAt.Sub(rec.LastAttemptAt), 900*time.Millisecond,
		"the back-off (1 ms) is stretched to the end of the claim (1 s after it began)")
}

// TestTimedOutPublishThatReturnedBacksOff: a publish that returns when its context ends at the
// publish timeout has ended its attempt, so the next one comes after the ordinary back-off
// (20 ms, then 40 ms), not at the end of the claim it ran under (2 s).
func TestTimedOutPublishThatReturnedBacksOff(t *testing.T) {
	ctx := context.Background()
	var (
		mu       sync.Mutex
		attempts []time.Time
	)
	publish := func(ctx context.Context, _ es.Envelope) error {
		mu.Lock()
		attempts = append(attempts, time.Now())
		n := len(attempts)
		mu.Unlock()
		if n <= 2 {
			<-ctx.Done() // the broker hangs, the publisher honours its context
			return ctx.Err()
		}
		return nil
	}
	ob := newOutbox(t, memory.NewOutboxStore(), publish, outbox.WithBackoff(20*time.Millisecond, 100*time.Millisecond),
		outbox.WithPublishTimeout(50*time.Millisecond), outbox.WithClaimTimeout(2*time.Second))
	require.NoError(t, ob.Enqueue(ctx, testkit.OutboxEnvelopes(t, "a", 1, 1)[0]))
	require.NoError(t, ob.Start(ctx))
	waitFor(t, "delivered", func() bool { return len(pendingOf(t, ob)) == 0 })
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, attempts, 3)
	for i := 1; i < len(attempts); i++ {
		gap := attempts[i].Sub(attempts[i-1])
		assert.GreaterOrEqual(t, gap, 50*time.Millisecond, "attempt %d starts after the previous one timed out", i+1)
		assert.Less(t, gap, time.Second, "attempt %d comes after the back-off, not at the end of the 2 s claim", i+1)
	}
}

// TestLatePublishHoldsTheRecordUntilItReturns: a publish that ignores its context and returns
// 300 ms after its 50 ms timeout keeps its record claimed until then (no attempt at it, nor at
// the later records of its aggregate, overlaps it); once it has returned, the next attempt comes
// after the ordinary back-off, well before the claim (2 s) ends.
func TestLatePublishHoldsTheRecordUntilItReturns(t *testing.T) {
	ctx := context.Background()
	var (
		mu       sync.Mutex
		running  int
		overlaps int
		order    []int64
		starts   []time.Time
	)
	publish := func(_ context.Context, e es.Envelope) error {
		mu.Lock()
		running++
		if running > 1 {
			overlaps++
		}
		order = append(order, e.Sequence)
		starts = append(starts, time.Now())
		first := len(order) == 1
		mu.Unlock()
		defer func() {
			mu.Lock()
			running--
			mu.Unlock()
		}()
		if first {
			time.Sleep(300 * time.Millisecond) // ignores its context
			return errors.New("broker unreachable")
		}
		return nil
	}
	ob := newOutbox(t, memory.NewOutboxStore(), publish, outbox.WithRelays(3),
		outbox.WithBackoff(20*time.Millisecond, 100*time.Millisecond),
		outbox.WithPublishTimeout(50*time.Millisecond), outbox.WithClaimTimeout(2*time.Second))
	require.NoError(t, ob.EnqueueEvents(ctx, testkit.OutboxEnvelopes(t, "a", 1, 2)))
	require.NoError(t, ob.Start(ctx))

	var rec outbox.Record
	waitFor(t, "the first attempt recorded", func() bool {
		p := pendingOf(t, ob)
		if len(p) > 0 && p[0].LastError != "" {
			rec = p[0]
			return true
		}
		return false
	})
	assert.Equal(t, "publish timed out after 50ms: broker unreachable", rec.LastError)
	waitFor(t, "delivered", func() bool { return len(pendingOf(t, ob)) == 0 })
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, overlaps, "no publish overlaps the late one")
	assert.Equal(t, []int64{1, 1, 2}, order)
	gap := starts[1].Sub(starts[0])
	assert.GreaterOrEqual(t, gap, 300*time.Millisecond, "the record is held while its publish runs")
	assert.Less(t, gap, 1500*time.Millisecond, "then retried after the back-off, before the claim ends")
}

// TestHungPublishRecordedBeforeItsClaimEnds: a publish that never returns keeps its record
// claimed; its failure is recorded before the claim ends (here, at the latest the publish
// timeout before it), with the record due at the end of that claim.
func TestHungPublishRecordedBeforeItsClaimEnds(t *testing.T) {
	ctx := context.Background()
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	publish := func(context.Context, es.Envelope) error { <-hang; return nil } // ignores its context
	ob := newOutbox(t, memory.NewOutboxStore(), publish, outbox.WithMaxAttempts(3),
		outbox.WithPublishTimeout(100*time.Millisecond), outbox.WithClaimTimeout(time.Second))
	require.NoError(t, ob.Enqueue(ctx, testkit.OutboxEnvelopes(t, "a", 1, 1)[0]))
	require.NoError(t, ob.Start(ctx))
	var held outbox.Record
	waitFor(t, "the record claimed", func() bool {
		p := pendingOf(t, ob)
		if len(p) == 1 && p[0].ClaimedBy != "" {
			held = p[0]
			return true
		}
		return false
	})
	time.Sleep(300 * time.Millisecond) // past the publish timeout
	p := pendingOf(t, ob)
	require.Len(t, p, 1)
	assert.True(t, held.ClaimedUntil.Equal(p[0].ClaimedUntil), "still held under the same claim")
	assert.Empty(t, p[0].LastError, "the failure is not recorded while the publish may still return")
	var rec outbox.Record
	waitFor(t, "the failure recorded", func() bool {
		p := pendingOf(t, ob)
		if len(p) == 1 && p[0].LastError != "" {
			rec = p[0]
			return true
		}
		return false
	})
	assert.Equal(t, "publish timed out after 100ms", rec.LastError)
	assert.Empty(t, rec.ClaimedBy)
	assert.True(t, held.ClaimedUntil.Equal(rec.NextAttemptAt), "due again when the claim the publish ran under ends (%v, %v)",
		held.ClaimedUntil, rec.NextAttemptAt)
	assert.True(t, time.Now().Before(held.ClaimedUntil), "recorded before the claim ends")
}

// deadlineObserver gives each publish a context of its own that ends after d (and at
// EndPublish).
type deadlineObserver struct{ d time.Duration }

type cancelKey struct{}

func (o deadlineObserver) StartPublish(ctx context.Context, _ es.Publish) context.Context {
	ctx, cancel := context.WithTimeout(ctx, o.d)
	return context.WithValue(ctx, cancelKey{}, cancel)
}

func (deadlineObserver) EndPublish(ctx context.Context, _ es.Publish, _ es.PublishResult) {
	ctx.Value(cancelKey{}).(context.CancelFunc)()
}

// An observer whose context ends by itself before the publish returns ends the attempt; the
// record is not counted as delivered. Before, the relay read the observer's context ending as
// Stop and marked the record delivered although the publish then failed.
func TestObserverContextEndingIsNotADelivery(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int32
	publish := func(context.Context, es.Envelope) error {
		calls.Add(1)
		time.Sleep(100 * time.Millisecond) // ignores its context
		return errors.New("broker refused")
	}
	ob := newOutbox(t, memory.NewOutboxStore(), publish, outbox.WithObserver(deadlineObserver{20 * time.Millisecond}),
		outbox.WithPublishTimeout(500*time.Millisecond), outbox.WithClaimTimeout(5*time.Second),
		outbox.WithBackoff(time.Hour, time.Hour))
	require.NoError(t, ob.Enqueue(ctx, testkit.OutboxEnvelopes(t, "a", 1, 1)[0]))
	require.NoError(t, ob.Start(ctx))
	t.Cleanup(func() { _ = ob.Stop(context.Background()) })
	waitFor(t, "the first attempt", func() bool { return calls.Load() == 1 })
	time.Sleep(300 * time.Millisecond)
	assert.Len(t, pendingOf(t, ob), 1, "a failed publish leaves its record pending")
}
