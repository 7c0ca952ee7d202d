package bunstore_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/internal/benchkit/pgsides"
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
	names := []string{"store", "limit", "minimal"}
	return []func(b *testing.B) benchkit.Sides{
		func(b *testing.B) benchkit.Sides {
			s, db := pgsides.Sides(b, pgtest.NewServer(b, "fsync=on").URL())
			s.Side[benchkit.Bare] = newBareSide(b, db)
			return s
		},
		func(b *testing.B) benchkit.Sides {
			// A file for each side: a side's commits then never pay for checkpointing the
			// write-ahead log another side filled.
			open := func() *bun.DB {
				db := openDB(b, "sqlite:///"+filepath.Join(b.TempDir(), "events.db"))
				execSchema(b, db, sqliteBenchSchema)
				return db
			}
			store := open()
			return benchkit.Sides{Store: "sqlite", Names: names, Side: map[string]benchkit.Side{
				"store": newStoreSide(b, store), "limit": &sqliteRaw{db: open().DB, lean: true}, "minimal": &sqliteRaw{db: open().DB},
				benchkit.Bare: newBareSide(b, store),
			}}
		},
	}
}

func execSchema(b testing.TB, db *bun.DB, schema string) {
	for _, stmt := range strings.Split(schema, ";\n") {
		_, err := db.DB.Exec(stmt)
		require.NoError(b, err, stmt)
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
