//go:build unix

package replicas_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// writeSpread appends events events spread round-robin over aggregates aggregates, in batches.
func writeSpread(t testing.TB, store es.EventStore, events, aggregates int) {
	ctx := context.Background()
	per := events / aggregates
	for a := range aggregates {
		require.NoError(t, store.Append(ctx, fmt.Sprintf("order-%d", a), "Order", 0, testkit.Envelopes(t, "Placed", 1, per)))
	}
}

// TestPartitionedReplicas: one projection in 4 partitions, run by 4 real processes on one
// PostgreSQL with a handler that sleeps 2 ms an event, over 20,000 events on 2,000 aggregates.
// One process is killed with SIGKILL while they apply them; the others take its partition over.
// The read model, written in each batch's transaction, ends with every event exactly once, and
// each aggregate's events in sequence order.
func TestPartitionedReplicas(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Start(t)
	db := openDB(t, url)
	_, err := db.ExecContext(ctx, replicaViewDDL)
	require.NoError(t, err)
	const events, aggregates = 20000, 2000
	writeSpread(t, newEventStore(t, db), events, aggregates)
	spec := replicaSpec{projections: 1, partitions: 4, sleep: 2 * time.Millisecond, ttl: 2 * time.Second}
	var reps []*replica
	for i := range 4 {
		reps = append(reps, startReplica(t, url, fmt.Sprintf("p%d", i), spec))
	}
	applied := func() int {
		var n int
		require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM replica_view`).Scan(&n))
		return n
	}
	testkit.WaitFor(t, 60*time.Second, func() bool { return applied() >= events/4 }, "a quarter of the events to be applied")
	reps[3].kill(t)
	t.Logf("killed p3 with %d of %d events applied", applied(), events)
	testkit.WaitFor(t, 120*time.Second, func() bool { return applied() >= events }, "every event to be applied")
	time.Sleep(200 * time.Millisecond) // a batch that would apply an event twice has had time to commit
	assertExactlyOnce(t, db, 1, events)
	assertAggregateOrder(t, db)
}

// assertAggregateOrder checks that each aggregate's rows were written in sequence order, 1, 2, ….
func assertAggregateOrder(t *testing.T, db *bun.DB) {
	t.Helper()
	var wrong int
	require.NoError(t, db.QueryRowContext(context.Background(), `SELECT count(*) FROM (
	SELECT sequence, row_number() OVER (PARTITION BY projection, aggregate_id ORDER BY n) AS rank FROM replica_view) AS r
WHERE sequence <> rank`).Scan(&wrong))
	assert.Zero(t, wrong, "rows out of their aggregate's sequence order")
}
