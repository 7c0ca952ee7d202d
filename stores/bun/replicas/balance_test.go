//go:build unix

package replicas_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// TestBalancedReplicas: six projections in three real processes on one PostgreSQL, balanced by
// their members' heartbeats, while events are written all along. Each process ends up holding
// two leases; after one is killed with SIGKILL the other two hold three each within the
// failover time the README states (the balancer's TTL, a third of it for the survivors' next
// heartbeat, and a standby interval); once it is back they hold two each again. Every read
// model (written in the checkpoint's transaction) has every event exactly once.
func TestBalancedReplicas(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Start(t)
	db := openDB(t, url)
	_, err := db.ExecContext(ctx, replicaViewDDL)
	require.NoError(t, err)
	spec := replicaSpec{projections: 6, ttl: 2 * time.Second}
	events := newEventStore(t, db)

	var written atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if err := events.Append(ctx, fmt.Sprintf("order-%d", i%50), "Order", int64(i/50), testkit.Envelopes(t, "Placed", i/50+1, 1)); err != nil {
				t.Errorf("append: %v", err)
				return
			}
			written.Add(1)
		}
	})
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()

	waitHeld := func(within time.Duration, want []int, members ...string) time.Duration {
		t.Helper()
		began := time.Now()
		testkit.WaitFor(t, within, func() bool { return assert.ObjectsAreEqual(want, heldBy(t, db, members...)) },
			"the members %v to hold %v leases", members, want)
		return time.Since(began)
	}
	startReplica(t, url, "a", spec)
	startReplica(t, url, "b", spec)
	c := startReplica(t, url, "c", spec)
	waitHeld(30*time.Second, []int{2, 2, 2}, "a", "b", "c")
	t.Logf("balanced: %v", heldBy(t, db, "a", "b", "c"))

	c.kill(t)
	failover := spec.ttl + spec.ttl/3 + min(replicaPoll, spec.ttl/3)
	const margin = 2 * time.Second // the server noticing the closed connection, scheduling under -race
	took := waitHeld(failover+margin+20*time.Second, []int{3, 3}, "a", "b")
	t.Logf("the survivors held three leases each %v after the kill (documented failover %v)", took, failover)
	assert.Less(t, took, failover+margin)

	startReplica(t, url, "c", spec)
	waitHeld(30*time.Second, []int{2, 2, 2}, "a", "b", "c")

	close(stop)
	wg.Wait()
	n := written.Load()
	require.Positive(t, n)
	testkit.WaitFor(t, 30*time.Second, func() bool {
		var done int
		require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT projection FROM replica_view GROUP BY projection HAVING count(DISTINCT event_id) = ?) AS p`, n).Scan(&done))
		return done == spec.projections
	}, "every projection to apply the %d events", n)
	assertExactlyOnce(t, db, spec.projections, n)
}

// assertExactlyOnce checks that each of the projections' read models holds each of n events once.
func assertExactlyOnce(t *testing.T, db *bun.DB, projections int, n int64) {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT projection, count(*), count(DISTINCT event_id) FROM replica_view GROUP BY projection ORDER BY projection`)
	require.NoError(t, err)
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var (
			name            string
			total, distinct int64
		)
		require.NoError(t, rows.Scan(&name, &total, &distinct))
		assert.Equal(t, n, distinct, "%s has every event", name)
		assert.Equal(t, n, total, "%s has every event once", name)
		seen++
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, projections, seen)
}
