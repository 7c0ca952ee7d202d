package bunstore_test

import (
	"testing"

	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/internal/benchkit/pgsides"
	"github.com/gofly/eventsourcing/internal/benchkit/sqlitesides"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// The benchmarks run each workload of benchkit on our store (store), on raw SQL over the lean
// table that stores the same columns (limit) and on raw SQL over the 4-column table (minimal),
// in one process, in an order that turns from one -count run to the next. PostgreSQL runs on a
// server of the benchmark's own with fsync on, so commits are as durable as in production;
// SQLite on a file in WAL mode. internal/cmd/benchreport prints the table.

// benchDatabases opens, in turn, a PostgreSQL server of the benchmark's own (fsync on) and a
// SQLite file, each migrated and holding the baselines' tables.
func benchDatabases() []func(b *testing.B) benchkit.Sides {
	return []func(b *testing.B) benchkit.Sides{
		func(b *testing.B) benchkit.Sides {
			s, db := pgsides.Sides(b, pgtest.NewServer(b, "fsync=on").URL())
			s.Side[benchkit.Bare] = newBareSide(b, db)
			return s
		},
		func(b *testing.B) benchkit.Sides {
			s, db := sqlitesides.Sides(b, b.TempDir())
			s.Side[benchkit.Bare] = newBareSide(b, db)
			return s
		},
	}
}

// onEach runs a workload on each database.
func onEach(b *testing.B, workload func(b *testing.B, s benchkit.Sides)) {
	for _, open := range benchDatabases() {
		workload(b, open(b))
	}
}

func BenchmarkAppend1(b *testing.B) {
	onEach(b, func(b *testing.B, s benchkit.Sides) { benchkit.Append(b, s, 1) })
}

func BenchmarkAppend10(b *testing.B) {
	onEach(b, func(b *testing.B, s benchkit.Sides) { benchkit.Append(b, s, 10) })
}

func BenchmarkAppend100(b *testing.B) {
	onEach(b, func(b *testing.B, s benchkit.Sides) { benchkit.Append(b, s, 100) })
}

func BenchmarkConcurrentWriters(b *testing.B) { onEach(b, benchkit.ConcurrentWriters) }
func BenchmarkLoad1000(b *testing.B)          { onEach(b, benchkit.Load1000) }
func BenchmarkCatchUp(b *testing.B)           { onEach(b, benchkit.CatchUp) }
func BenchmarkRace16(b *testing.B)            { onEach(b, benchkit.Race16) }
func BenchmarkSnapshotLoad(b *testing.B)      { onEach(b, benchkit.SnapshotLoad) }
func BenchmarkHookAppend1(b *testing.B)       { onEach(b, benchkit.HookAppend1) }
func BenchmarkHookLoad1000(b *testing.B)      { onEach(b, benchkit.HookLoad1000) }
