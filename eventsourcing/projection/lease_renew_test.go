package projection_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// renewTTL is the lease's time to live in the tests below: far shorter than the waits between
// rounds, so that only renewal during the waits keeps the lease.
const renewTTL = 300 * time.Millisecond

// leasedOpts are the options of a runner that holds the lease renewTTL, polls every second and
// retries a failed event after initial, doubled, up to max.
func leasedOpts(cps projection.CheckpointStore, lease projection.Lease, owner string, initial, max time.Duration) []projection.Option {
	return []projection.Option{
		projection.WithCheckpoints(cps), projection.WithLease(lease), projection.WithOwner(owner),
		projection.WithLeaseTTL(renewTTL), projection.WithPollInterval(time.Second), projection.WithRetry(initial, max),
		projection.WithLogger(testkit.NewLogRecorder().Logger()),
	}
}

// sample is what the two runners' Status said at one moment.
type sample struct {
	activeA, activeB bool
	holder           string
}

// watchLease samples a's and b's Status every 50 ms for d, through statuses (which returns one
// sample per lease: one, or one per partition).
func watchLease(t *testing.T, d time.Duration, statuses func() []sample) [][]sample {
	t.Helper()
	var out [][]sample
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		out = append(out, statuses())
	}
	return out
}

// checkOneHolder asserts that at every sample of every lease a alone is active and holds it as
// owner names (ownerA for the lease i).
func checkOneHolder(t *testing.T, samples [][]sample, ownerA func(i int) string) {
	t.Helper()
	require.NotEmpty(t, samples)
	var both, notA, standby, moved []string
	for n, at := range samples {
		for i, s := range at {
			where := fmt.Sprintf("%d/%d", n, i)
			if s.activeA && s.activeB {
				both = append(both, where)
			}
			if !s.activeA {
				notA = append(notA, where)
			}
			if s.activeB {
				standby = append(standby, where)
			}
			if s.holder != ownerA(i) {
				moved = append(moved, where+":"+s.holder)
			}
		}
	}
	assert.Empty(t, both, "samples (sample/lease) where both runners report themselves active, of %d", len(samples))
	assert.Empty(t, notA, "samples where the holder stopped being active")
	assert.Empty(t, standby, "samples where the standby was active")
	assert.Empty(t, moved, "samples where the lease was not the holder's (sample/lease:holder)")
}

// pairSample samples the unpartitioned runners a and b.
func pairSample(t *testing.T, a, b *projection.Runner) func() []sample {
	return func() []sample {
		sa, sb := status(t, a), status(t, b)
		return []sample{{activeA: sa.Active, activeB: sb.Active, holder: sa.LeaseHolder}}
	}
}

// TestIdleHolderRenewsItsLease: a runner that is caught up and waits a poll interval far longer
// than its lease's time to live extends the lease while it waits, so a standby never takes it and
// never reports itself active alongside; once the holder stops, the standby takes over.
func TestIdleHolderRenewsItsLease(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "order-1", 0, 2)
	cps, lease := memory.NewCheckpointStore(), memory.NewLease()
	var applied calls
	idle := func(who string) projection.Projection {
		return projection.FunctionProjection("idle", func(_ context.Context, e es.Envelope) error {
			applied.add(who)
			return nil
		})
	}
	a := newRunner(t, idle("A"), store, leasedOpts(cps, lease, "A", 10*time.Millisecond, 600*time.Millisecond)...)
	b := newRunner(t, idle("B"), store, leasedOpts(cps, lease, "B", 10*time.Millisecond, 600*time.Millisecond)...)
	require.NoError(t, a.Start(context.Background()))
	eventually(t, "a to apply the events", func() bool { return status(t, a).Position == 2 })
	require.NoError(t, b.Start(context.Background()))

	checkOneHolder(t, watchLease(t, 2*time.Second, pairSample(t, a, b)), func(int) string { return "A" })
	assert.Equal(t, 2, applied.of("A"))
	assert.Zero(t, applied.of("B"), "the standby applied events while the holder lived")

	require.NoError(t, a.Stop(context.Background()))
	eventually(t, "b to take over", func() bool { return status(t, b).Active })
	assert.Equal(t, "B", status(t, b).LeaseHolder)
}

// TestFailingHolderRenewsItsLeaseDuringBackOff: a runner waiting out the back-off of a failing
// event, longer than its lease's time to live, extends the lease while it waits; the renewals
// neither retry the event early nor restart the back-off, so the attempts stay as far apart as
// the back-off says.
func TestFailingHolderRenewsItsLeaseDuringBackOff(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "order-1", 0, 1)
	cps, lease := memory.NewCheckpointStore(), memory.NewLease()
	const initial, max = 10 * time.Millisecond, 600 * time.Millisecond
	var mu sync.Mutex
	var attemptsA []time.Time
	var attemptsB int
	failing := func(who string) projection.Projection {
		return projection.FunctionProjection("failing", func(context.Context, es.Envelope) error {
			mu.Lock()
			defer mu.Unlock()
			if who == "A" {
				attemptsA = append(attemptsA, time.Now())
			} else {
				attemptsB++
			}
			return errors.New("read model unavailable")
		})
	}
	a := newRunner(t, failing("A"), store, leasedOpts(cps, lease, "A", initial, max)...)
	b := newRunner(t, failing("B"), store, leasedOpts(cps, lease, "B", initial, max)...)
	require.NoError(t, a.Start(context.Background()))
	eventually(t, "a to try the event", func() bool { return status(t, a).Attempts > 0 })
	require.NoError(t, b.Start(context.Background()))

	// The back-off reaches 320 ms (above the TTL) at the 6th failure, about 0.3 s in, and 600 ms
	// at the 7th.
	checkOneHolder(t, watchLease(t, 2500*time.Millisecond, pairSample(t, a, b)), func(int) string { return "A" })
	require.NoError(t, a.Stop(context.Background()))

	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, attemptsB, "the standby tried the event while the holder lived")
	require.GreaterOrEqual(t, len(attemptsA), 8, "the holder kept retrying the event")
	for n := 1; n < len(attemptsA); n++ {
		wait := min(initial<<(n-1), max) // the back-off after the n-th failure
		assert.GreaterOrEqual(t, attemptsA[n].Sub(attemptsA[n-1]), wait, "attempt %d came before the back-off of %v ended", n+1, wait)
	}
}

// TestPartitionsRenewTheirLeases: each partition of a split projection holds a lease of its own
// and extends it while it waits, like an unpartitioned runner.
func TestPartitionsRenewTheirLeases(t *testing.T) {
	store := memory.NewEventStore()
	for i := range 4 {
		place(t, store, fmt.Sprintf("order-%d", i), 0, 1)
	}
	cps, lease := memory.NewCheckpointStore(), memory.NewLease()
	noop := projection.FunctionProjection("split", func(context.Context, es.Envelope) error { return nil })
	opts := func(owner string) []projection.Option {
		return append(leasedOpts(cps, lease, owner, 10*time.Millisecond, 600*time.Millisecond), projection.WithPartitions(2))
	}
	a := newRunner(t, noop, store, opts("A")...)
	b := newRunner(t, noop, store, opts("B")...)
	require.NoError(t, a.Start(context.Background()))
	eventually(t, "a's partitions to become active", func() bool {
		for _, p := range status(t, a).Partitions {
			if !p.Active {
				return false
			}
		}
		return true
	})
	require.NoError(t, b.Start(context.Background()))

	samples := watchLease(t, 2*time.Second, func() []sample {
		sa, sb := status(t, a), status(t, b)
		require.Len(t, sa.Partitions, 2)
		require.Len(t, sb.Partitions, 2)
		out := make([]sample, 2)
		for i := range out {
			out[i] = sample{activeA: sa.Partitions[i].Active, activeB: sb.Partitions[i].Active, holder: sa.Partitions[i].LeaseHolder}
		}
		return out
	})
	checkOneHolder(t, samples, func(i int) string { return fmt.Sprintf("A#%d", i) })
}

// downLease fails every call but Release while down is set.
type downLease struct {
	*memory.Lease
	down atomic.Bool
}

var errLeaseDown = errors.New("lease store unreachable")

func (d *downLease) TryAcquire(ctx context.Context, name, owner string, ttl time.Duration) (int64, bool, error) {
	if d.down.Load() {
		return 0, false, errLeaseDown
	}
	return d.Lease.TryAcquire(ctx, name, owner, ttl)
}

func (d *downLease) Extend(ctx context.Context, name, owner string, token int64, ttl time.Duration) (bool, error) {
	if d.down.Load() {
		return false, errLeaseDown
	}
	return d.Lease.Extend(ctx, name, owner, token, ttl)
}

// TestHolderThatCannotRenewStandsBy: an idle runner whose lease cannot be extended during its
// wait stops reporting itself active once the lease has expired, without waiting for its next
// round, and takes the lease again once the lease's store answers.
func TestHolderThatCannotRenewStandsBy(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "order-1", 0, 1)
	logs := testkit.NewLogRecorder()
	lease := &downLease{Lease: memory.NewLease()}
	noop := projection.FunctionProjection("idle", func(context.Context, es.Envelope) error { return nil })
	opts := append(leasedOpts(memory.NewCheckpointStore(), lease, "A", 10*time.Millisecond, 600*time.Millisecond),
		projection.WithLogger(logs.Logger()), projection.WithPollInterval(time.Minute))
	a := newRunner(t, noop, store, opts...)
	require.NoError(t, a.Start(context.Background()))
	eventually(t, "a to apply the event", func() bool { return status(t, a).Position == 1 })
	require.True(t, status(t, a).Active)

	lease.down.Store(true)
	eventually(t, "a to stop reporting itself active", func() bool { return !status(t, a).Active })
	assert.GreaterOrEqual(t, logs.Count("projection_lease_extend_failed"), 1, "%s", logs)
	// Status says inactive once the lease has surely expired; the loop drops the lease at its
	// next attempt to extend it, a sixth of the lease's time to live later at most.
	eventually(t, "a to drop the lease", func() bool { return logs.Count("projection_lease_lost") == 1 })
	st := status(t, a)
	require.Error(t, st.LastError)
	assert.ErrorIs(t, st.LastError, errLeaseDown)

	lease.down.Store(false)
	eventually(t, "a to take the lease again", func() bool { return status(t, a).Active })
	assert.Equal(t, 2, logs.Count("projection_lease_acquired"), "%s", logs)
}

// A runner whose batch outlives its lease no longer reports itself active once the lease has
// expired (another runner may hold it by then; the checkpoint's fence stops the batch from
// committing). Before, Status said active until the batch ended.
func TestStatusNotActivePastTheLeaseDuringALongBatch(t *testing.T) {
	ctx := context.Background()
	store := memory.NewEventStore()
	place(t, store, "a", 0, 1)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	r, err := projection.NewRunner(projection.FunctionProjection("long", func(ctx context.Context, _ es.Envelope) error {
		once.Do(func() { close(entered) })
		<-release
		return nil
	}), store, leasedOpts(memory.NewCheckpointStore(), memory.NewLease(), "a", time.Second, time.Second)...)
	require.NoError(t, err)
	require.NoError(t, r.Start(ctx))
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	<-entered
	st, err := r.Status(ctx)
	require.NoError(t, err)
	assert.True(t, st.Active, "holding the lease")
	time.Sleep(renewTTL + 100*time.Millisecond)
	st, err = r.Status(ctx)
	require.NoError(t, err)
	assert.False(t, st.Active, "the lease expired during the batch")
	assert.True(t, st.Running)
	close(release)
	testkit.WaitFor(t, 10*time.Second, func() bool {
		st, err := r.Status(ctx)
		return err == nil && st.Active
	}, "the runner to take the lease again after its batch")
}
