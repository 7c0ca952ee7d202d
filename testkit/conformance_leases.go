package testkit

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// LeaseFactory returns a new lease, with nothing held, for one test.
type LeaseFactory func(t *testing.T) projection.Lease

// LeaseTest is one named case of the lease suite.
type LeaseTest = Case[LeaseFactory]

// LeaseTests returns the cases of the lease suite, in the order [RunLeaseSuite] runs them.
func LeaseTests() []LeaseTest {
	return []LeaseTest{
		{"AcquireExtendRelease", testLeaseAcquireExtendRelease},
		{"Expiry", testLeaseExpiry},
		{"ExpiredNotTakenStillExtends", testLeaseExpiredNotTaken},
		{"NamesIndependent", testLeaseNamesIndependent},
		{"BadInput", testLeaseBadInput},
		{"RaceOneHolder", testLeaseRace},
	}
}

// RunLeaseSuite runs every case of [LeaseTests] as a subtest named after it: the conformance
// suite every [projection.Lease] must pass. Two cases wait for a lease of 200 ms to expire.
func RunLeaseSuite(t *testing.T, newLease LeaseFactory) {
	t.Helper()
	runCases(t, LeaseTests(), newLease)
}

const (
	leaseName = "pyfly.projection.orders_view"
	longTTL   = time.Minute
	shortTTL  = 200 * time.Millisecond
)

func acquire(t *testing.T, l projection.Lease, name, owner string, ttl time.Duration) (int64, bool) {
	t.Helper()
	token, ok, err := l.TryAcquire(context.Background(), name, owner, ttl)
	require.NoError(t, err)
	if ok {
		require.Positive(t, token, "a token is above 0 (0 means no lease)")
	}
	return token, ok
}

func extend(t *testing.T, l projection.Lease, name, owner string, token int64, ttl time.Duration) bool {
	t.Helper()
	ok, err := l.Extend(context.Background(), name, owner, token, ttl)
	require.NoError(t, err)
	return ok
}

func testLeaseAcquireExtendRelease(t *testing.T, newLease LeaseFactory) {
	ctx := context.Background()
	l := newLease(t)
	t1, ok := acquire(t, l, leaseName, "a", longTTL)
	require.True(t, ok, "a free lease is acquired")
	_, ok = acquire(t, l, leaseName, "b", longTTL)
	assert.False(t, ok, "another owner waits while it is held")
	_, ok = acquire(t, l, leaseName, "a", longTTL)
	assert.False(t, ok, "the holder itself does not acquire it twice")
	assert.True(t, extend(t, l, leaseName, "a", t1, longTTL), "the holder extends it")
	assert.False(t, extend(t, l, leaseName, "b", t1, longTTL), "another owner cannot extend it")
	assert.False(t, extend(t, l, leaseName, "a", t1+1, longTTL), "nor a token that was not handed out")
	require.NoError(t, l.Release(ctx, leaseName, "b", t1), "releasing what one does not hold does nothing")
	_, ok = acquire(t, l, leaseName, "b", longTTL)
	assert.False(t, ok, "still held by a")
	require.NoError(t, l.Release(ctx, leaseName, "a", t1))
	t2, ok := acquire(t, l, leaseName, "b", longTTL)
	require.True(t, ok, "a released lease is free at once")
	assert.Greater(t, t2, t1, "each acquisition gets a higher token")
	assert.False(t, extend(t, l, leaseName, "a", t1, longTTL), "the old acquisition is over")
	require.NoError(t, l.Release(ctx, leaseName, "a", t1), "a stale release does nothing")
	assert.True(t, extend(t, l, leaseName, "b", t2, longTTL), "b still holds it")
	require.NoError(t, l.Release(ctx, leaseName, "b", t2))
	require.NoError(t, l.Release(ctx, leaseName, "b", t2), "releasing twice does nothing")
	t3, ok := acquire(t, l, leaseName, "a", longTTL)
	require.True(t, ok)
	assert.Greater(t, t3, t2, "tokens keep increasing across releases")
}

// testLeaseExpiry checks only what happens once the time to live has passed: that a lease is
// refused to others while it runs is testLeaseAcquireExtendRelease's part, with a TTL no slow
// machine outlasts (checked here, it needed a second call within shortTTL of the first).
func testLeaseExpiry(t *testing.T, newLease LeaseFactory) {
	l := newLease(t)
	t1, ok := acquire(t, l, leaseName, "a", shortTTL)
	require.True(t, ok)
	time.Sleep(shortTTL + 150*time.Millisecond)
	t2, ok := acquire(t, l, leaseName, "b", longTTL)
	require.True(t, ok, "an expired lease goes to the next owner: a dead holder keeps nothing")
	assert.Greater(t, t2, t1)
	assert.False(t, extend(t, l, leaseName, "a", t1, longTTL), "the expired holder cannot take it back")
	_, ok = acquire(t, l, leaseName, "a", longTTL)
	assert.False(t, ok)
}

func testLeaseExpiredNotTaken(t *testing.T, newLease LeaseFactory) {
	l := newLease(t)
	t1, ok := acquire(t, l, leaseName, "a", shortTTL)
	require.True(t, ok)
	time.Sleep(shortTTL + 150*time.Millisecond)
	assert.True(t, extend(t, l, leaseName, "a", t1, longTTL), "nobody took it: the holder may extend it")
	_, ok = acquire(t, l, leaseName, "b", longTTL)
	assert.False(t, ok, "extended again")
}

func testLeaseNamesIndependent(t *testing.T, newLease LeaseFactory) {
	l := newLease(t)
	names := hostileNames()
	tokens := make([]int64, len(names))
	for i, n := range names {
		var ok bool
		tokens[i], ok = acquire(t, l, n, fmt.Sprintf("owner-%d", i), longTTL)
		require.True(t, ok, "lease %q", n)
	}
	for i, n := range names {
		_, ok := acquire(t, l, n, "intruder", longTTL)
		assert.False(t, ok, "lease %q is held", n)
		assert.True(t, extend(t, l, n, fmt.Sprintf("owner-%d", i), tokens[i], longTTL), "lease %q", n)
	}
	_, ok := acquire(t, l, strings.ToUpper(leaseName), "x", longTTL)
	assert.True(t, ok, "names compare exactly")
	_, ok = acquire(t, l, "percent X and Y underscore", "x", longTTL)
	assert.True(t, ok, "names are not patterns")
	_, ok = acquire(t, l, "free", strings.Repeat("o", projection.MaxNameBytes), longTTL)
	assert.True(t, ok, "the longest owner")
}

func testLeaseBadInput(t *testing.T, newLease LeaseFactory) {
	ctx := context.Background()
	l := newLease(t)
	bad := map[string]string{
		"empty":         "",
		"too long":      strings.Repeat("n", projection.MaxNameBytes+1),
		"NUL":           "a\x00b",
		"invalid UTF-8": "a\xffb",
	}
	for what, v := range bad {
		_, _, err := l.TryAcquire(ctx, v, "a", longTTL)
		assert.ErrorIs(t, err, es.ErrInvalidArgument, "TryAcquire, name %s", what)
		_, _, err = l.TryAcquire(ctx, leaseName, v, longTTL)
		assert.ErrorIs(t, err, es.ErrInvalidArgument, "TryAcquire, owner %s", what)
		_, err = l.Extend(ctx, v, "a", 1, longTTL)
		assert.ErrorIs(t, err, es.ErrInvalidArgument, "Extend, name %s", what)
		_, err = l.Extend(ctx, leaseName, v, 1, longTTL)
		assert.ErrorIs(t, err, es.ErrInvalidArgument, "Extend, owner %s", what)
		assert.ErrorIs(t, l.Release(ctx, v, "a", 1), es.ErrInvalidArgument, "Release, name %s", what)
		assert.ErrorIs(t, l.Release(ctx, leaseName, v, 1), es.ErrInvalidArgument, "Release, owner %s", what)
	}
	for _, ttl := range []time.Duration{0, -time.Second, time.Nanosecond, projection.MinLeaseTTL - 1, projection.MaxLeaseTTL + 1, 1<<63 - 1} {
		_, _, err := l.TryAcquire(ctx, leaseName, "a", ttl)
		assert.ErrorIs(t, err, es.ErrInvalidArgument, "TryAcquire, ttl %v", ttl)
		_, err = l.Extend(ctx, leaseName, "a", 1, ttl)
		assert.ErrorIs(t, err, es.ErrInvalidArgument, "Extend, ttl %v", ttl)
	}
	_, ok := acquire(t, l, leaseName, "a", projection.MaxLeaseTTL)
	assert.True(t, ok, "bad input held nothing; the longest ttl is accepted")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err := l.TryAcquire(cancelled, "other", "a", longTTL)
	assert.ErrorIs(t, err, context.Canceled)
}

func testLeaseRace(t *testing.T, newLease LeaseFactory) {
	ctx := context.Background()
	l := newLease(t)
	const owners, rounds = 8, 5
	seen := map[int64]bool{}
	var last int64
	for round := range rounds {
		tokens := make([]int64, owners)
		won := make([]bool, owners)
		errs := make([]error, owners)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range owners {
			wg.Go(func() {
				<-start
				tokens[i], won[i], errs[i] = l.TryAcquire(ctx, leaseName, fmt.Sprintf("owner-%d", i), longTTL)
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i := range owners {
			require.NoError(t, errs[i])
			if won[i] {
				require.Equal(t, -1, winner, "round %d: owners %d and %d both acquired the lease", round, winner, i)
				winner = i
			}
		}
		require.NotEqual(t, -1, winner, "round %d: one owner acquires the lease", round)
		tok := tokens[winner]
		require.False(t, seen[tok], "token %d handed out twice", tok)
		require.Greater(t, tok, last)
		seen[tok], last = true, tok
		require.NoError(t, l.Release(ctx, leaseName, fmt.Sprintf("owner-%d", winner), tok))
	}
}
