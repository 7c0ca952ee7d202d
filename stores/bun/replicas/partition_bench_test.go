//go:build unix

package replicas_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/internal/benchkit"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// BenchmarkPartitionRead measures what one partition's read costs against the whole stream's,
// over 20,000 events on 2,000 aggregates, in pages of 100: "limit" pages the whole stream with
// ReadAll, "store" pages partition 0 of 4 with ReadPartition (filtered in the database by the
// FNV-1a hash of the aggregate id). Both report the stream's events covered per second, so their
// ratio is how much cheaper a partition's pass over the stream is than a full one.
func BenchmarkPartitionRead(b *testing.B) {
	ctx := context.Background()
	for _, target := range benchTargets(b) {
		tg := target()
		s := newEventStore(b, tg.db)
		writeSpread(b, s, 20000, 2000)
		last, err := s.LastPosition(ctx)
		require.NoError(b, err)
		benchkit.InTurn(b, tg.name,
			benchkit.Variant{Name: "limit", Run: func(b *testing.B) { benchkit.ReadAll(b, s, 100) }},
			benchkit.Variant{Name: "store", Run: func(b *testing.B) { readPartition(b, s, last, 20000) }},
		)
	}
}

// readPartition pages partition 0 of 4 from the start to last, b.N times, and reports the
// stream's events covered per second.
func readPartition(b *testing.B, s *bunstore.EventStore, last int64, stream int) {
	ctx := context.Background()
	for range b.N {
		after, n := int64(0), 0
		for {
			page, through, err := s.ReadPartition(ctx, after, last, 100, 0, 4)
			require.NoError(b, err)
			n += len(page)
			if through >= last {
				break
			}
			after = through
		}
		require.Positive(b, n)
	}
	b.ReportMetric(float64(b.N*stream)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkPartitionedProjection runs one projection whose handler sleeps 2 ms an event, in the
// checkpoint's transaction on PostgreSQL, over 20,000 events on 2,000 aggregates: "store" splits
// it into 4 partitions run by 4 processes (balanced: one partition each once all have joined),
// "limit" runs it unpartitioned in one process, which applies the first 5,000 events (at 2 ms
// an event its rate does not depend on how many). Each reports the events applied per second
// between the first and the last write to the read model, by the server's clock.
func BenchmarkPartitionedProjection(b *testing.B) {
	ctx := context.Background()
	url := pgtest.NewServer(b, "fsync=on").URL()
	db := openDB(b, url)
	_, err := db.ExecContext(ctx, replicaViewDDL)
	require.NoError(b, err)
	writeSpread(b, newEventStore(b, db), 20000, 2000)
	var op int
	run := func(b *testing.B, processes, partitions, until int) {
		for range b.N {
			_, err := db.ExecContext(ctx, `TRUNCATE replica_view; DELETE FROM pyfly_projection_checkpoints WHERE projection LIKE 'replica_0%'`)
			require.NoError(b, err)
			spec := replicaSpec{projections: 1, partitions: partitions, sleep: 2 * time.Millisecond, ttl: 2 * time.Second}
			var reps []*replica
			for range processes {
				op++
				reps = append(reps, startReplica(b, url, fmt.Sprintf("bench-%d", op), spec))
			}
			testkit.WaitFor(b, 10*time.Minute, func() bool { return viewRows(b, db) >= until }, "%d events to be applied", until)
			for _, r := range reps {
				r.stop(b)
			}
			var rate float64
			require.NoError(b, db.QueryRowContext(ctx, `SELECT count(*) / extract(epoch FROM max(applied_at) - min(applied_at)) FROM replica_view`).Scan(&rate))
			b.ReportMetric(rate, "events/s")
		}
	}
	benchkit.InTurn(b, "postgres",
		benchkit.Variant{Name: "limit", Run: func(b *testing.B) { run(b, 1, 1, 5000) }},
		benchkit.Variant{Name: "store", Run: func(b *testing.B) { run(b, 4, 4, 20000) }},
	)
}

func viewRows(t testing.TB, db *bun.DB) int {
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(), `SELECT count(*) FROM replica_view`).Scan(&n))
	return n
}
