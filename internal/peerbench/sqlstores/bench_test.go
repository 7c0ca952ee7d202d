package sqlstores_test

import (
	"path/filepath"
	"testing"

	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/internal/benchkit/pgsides"
	"github.com/gofly/eventsourcing/internal/benchkit/sqlitesides"
	"github.com/gofly/eventsourcing/internal/peerbench/sqlstores"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// The PostgreSQL and SQLite rows: the store and its raw baselines (internal/benchkit/pgsides and
// sqlitesides) and the peers', on one PostgreSQL server of the benchmark's own with fsync on and
// on SQLite files of one directory, in turn in one process. Snapshot loads are not compared.

// postgresSides are the PostgreSQL variants and the peers', on one new server.
func postgresSides(b *testing.B) benchkit.Sides {
	url := pgtest.NewServer(b, "fsync=on").URL()
	s, _ := pgsides.Sides(b, url)
	peer, err := sqlstores.NewHallgrenPostgres(url)
	return withPeer(b, s, peer, err)
}

// sqliteSides are the SQLite variants and the peers', each on a file of its own.
func sqliteSides(b *testing.B) benchkit.Sides {
	dir := b.TempDir()
	s, _ := sqlitesides.Sides(b, dir)
	peer, err := sqlstores.NewHallgrenSQLite(filepath.Join(dir, "peer-hallgren.db"))
	return withPeer(b, s, peer, err)
}

// withPeer adds peer, built with err, to s as peer-hallgren, closed when the benchmark ends.
func withPeer(b *testing.B, s benchkit.Sides, peer *sqlstores.HallgrenSQL, err error) benchkit.Sides {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = peer.Close() })
	s.Names = append(s.Names, "peer-hallgren")
	s.Side["peer-hallgren"] = peer
	return s
}

// onEach runs a workload on PostgreSQL, then on SQLite.
func onEach(b *testing.B, workload func(b *testing.B, s benchkit.Sides)) {
	for _, sides := range []func(b *testing.B) benchkit.Sides{postgresSides, sqliteSides} {
		workload(b, sides(b))
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
