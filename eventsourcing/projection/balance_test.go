package projection_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// balancedProcess is one simulated process: a balancer and a runner per projection, over stores
// that every process shares.
type balancedProcess struct {
	balancer *projection.Balancer
	runners  []*projection.Runner
}

// held counts the runners of p that are active.
func (p *balancedProcess) held(t *testing.T) int {
	n := 0
	for _, r := range p.runners {
		if status(t, r).Active {
			n++
		}
	}
	return n
}

func (p *balancedProcess) stop(t *testing.T) {
	for _, r := range p.runners {
		require.NoError(t, r.Stop(context.Background()))
	}
}

// applied counts, per projection and event, the handler calls of every process.
type applied struct {
	mu sync.Mutex
	n  map[string]int
}

func (a *applied) add(projection, eventID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n[projection+"/"+eventID]++
}

func (a *applied) counts() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]int, len(a.n))
	for k, v := range a.n {
		out[k] = v
	}
	return out
}

// TestBalancedRunnersSpreadTheLeases: six projections in three processes that share a lease
// store and a membership: one process alone holds all six; a second joining takes three (the
// first hands them over between batches); a third makes it two each; once the third leaves the
// two others hold three each. Every event is applied once per projection throughout.
func TestBalancedRunnersSpreadTheLeases(t *testing.T) {
	store := memory.NewEventStore()
	cps, lease, members := memory.NewCheckpointStore(), memory.NewLease(), memory.NewMembership()
	got := &applied{n: map[string]int{}}
	logs := testkit.NewLogRecorder()
	const projections = 6
	start := func(name string) *balancedProcess {
		b, err := projection.NewBalancer(members, projection.BalancerConfig{Member: name, TTL: 300 * time.Millisecond, Logger: logs.Logger()})
		require.NoError(t, err)
		p := &balancedProcess{balancer: b}
		for i := range projections {
			pname := fmt.Sprintf("view_%d", i)
			fn := projection.FunctionProjection(pname, func(_ context.Context, e es.Envelope) error {
				got.add(pname, e.EventID)
				return nil
			})
			r := newRunner(t, fn, store, append(fast(logs), projection.WithCheckpoints(cps), projection.WithLease(lease),
				projection.WithBalancer(b), projection.WithOwner(name+"/"+pname), projection.WithLeaseTTL(300*time.Millisecond))...)
			require.NoError(t, r.Start(context.Background()))
			p.runners = append(p.runners, r)
		}
		return p
	}
	held := func(ps ...*balancedProcess) []int {
		out := make([]int, len(ps))
		for i, p := range ps {
			out[i] = p.held(t)
		}
		return out
	}
	waitHeld := func(want []int, ps ...*balancedProcess) {
		t.Helper()
		eventually(t, fmt.Sprintf("the processes to hold %v", want), func() bool { return assert.ObjectsAreEqual(want, held(ps...)) })
	}
	events := 0
	write := func(n int) {
		for range n {
			place(t, store, fmt.Sprintf("order-%d", events), 0, 1)
			events++
		}
	}

	write(20)
	a := start("a")
	waitHeld([]int{6}, a)
	write(20)
	b := start("b")
	waitHeld([]int{3, 3}, a, b)
	write(20)
	c := start("c")
	waitHeld([]int{2, 2, 2}, a, b, c)
	st := c.balancer.Status()
	assert.Equal(t, []string{"a", "b", "c"}, st.Members)
	assert.Equal(t, 2, st.Share)
	assert.Equal(t, 6, st.Leases)
	write(20)
	c.stop(t)
	waitHeld([]int{3, 3}, a, b)
	write(20)

	eventually(t, "every projection to apply every event", func() bool {
		for _, r := range append(a.runners, b.runners...) {
			if status(t, r).Lag != 0 {
				return false
			}
		}
		return true
	})
	counts := got.counts()
	require.Len(t, counts, projections*events)
	for k, n := range counts {
		assert.Equal(t, 1, n, "%s applied %d times", k, n)
	}
	assert.Positive(t, logs.Count("projection_lease_handed_over"), "a process above its share hands leases over")
}

// TestBalancedRunnerTakesAnUnclaimedLease: a member that runs no runner of a projection still
// counts in the shares; the lease its share would cover stays free, and after the balancer's
// TTL a runner above its share takes it, so no projection waits for ever.
func TestBalancedRunnerTakesAnUnclaimedLease(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "order-1", 0, 3)
	cps, lease, members := memory.NewCheckpointStore(), memory.NewLease(), memory.NewMembership()
	logs := testkit.NewLogRecorder()
	b, err := projection.NewBalancer(members, projection.BalancerConfig{Member: "b", TTL: 200 * time.Millisecond, Logger: logs.Logger()})
	require.NoError(t, err)
	// "a" sorts first and beats for ever, but runs nothing: the one lease is its share.
	stopBeat := make(chan struct{})
	defer close(stopBeat)
	_, err = members.Heartbeat(context.Background(), projection.DefaultGroup, "a", time.Second)
	require.NoError(t, err)
	go func() {
		for {
			select {
			case <-stopBeat:
				return
			case <-time.After(50 * time.Millisecond):
			}
			_, _ = members.Heartbeat(context.Background(), projection.DefaultGroup, "a", time.Second)
		}
	}()
	r := newRunner(t, projection.FunctionProjection("v", func(context.Context, es.Envelope) error { return nil }), store,
		append(fast(logs), projection.WithCheckpoints(cps), projection.WithLease(lease), projection.WithBalancer(b),
			projection.WithLeaseTTL(200*time.Millisecond))...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "the runner to take the unclaimed lease", func() bool { return status(t, r).Position == 3 })
	assert.Equal(t, 0, b.Status().Share, "b's share is 0: a sorts first")
	assert.Equal(t, 1, logs.Count("projection_lease_unclaimed"))
}

// TestWithBalancerNeedsALease: a balancer balances leases; without one NewRunner refuses.
func TestWithBalancerNeedsALease(t *testing.T) {
	b, err := projection.NewBalancer(memory.NewMembership(), projection.BalancerConfig{})
	require.NoError(t, err)
	_, err = projection.NewRunner(projection.FunctionProjection("v", func(context.Context, es.Envelope) error { return nil }),
		memory.NewEventStore(), projection.WithBalancer(b))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "WithLease")
	_, err = projection.NewBalancer(nil, projection.BalancerConfig{})
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	_, err = projection.NewBalancer(memory.NewMembership(), projection.BalancerConfig{TTL: time.Nanosecond})
	require.ErrorIs(t, err, es.ErrInvalidArgument)
}
