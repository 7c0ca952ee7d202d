package postgres_test

import (
	"testing"

	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/internal/benchkit/pgsides"
	"github.com/gofly/eventsourcing/internal/peerbench/postgres"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// The PostgreSQL rows: the store and its raw baselines (internal/benchkit/pgsides) and the
// peers', on one server of the benchmark's own with fsync on, in turn in one process. Snapshot
// loads are not compared.

func postgresSides(b *testing.B) benchkit.Sides {
	url := pgtest.NewServer(b, "fsync=on").URL()
	s, _ := pgsides.Sides(b, url)
	peer, err := postgres.NewHallgrenPostgres(url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = peer.Close() })
	s.Names = append(s.Names, "peer-hallgren")
	s.Side["peer-hallgren"] = peer
	return s
}

func BenchmarkAppend1(b *testing.B)           { benchkit.Append(b, postgresSides(b), 1) }
func BenchmarkAppend10(b *testing.B)          { benchkit.Append(b, postgresSides(b), 10) }
func BenchmarkAppend100(b *testing.B)         { benchkit.Append(b, postgresSides(b), 100) }
func BenchmarkConcurrentWriters(b *testing.B) { benchkit.ConcurrentWriters(b, postgresSides(b)) }
func BenchmarkLoad1000(b *testing.B)          { benchkit.Load1000(b, postgresSides(b)) }
func BenchmarkCatchUp(b *testing.B)           { benchkit.CatchUp(b, postgresSides(b)) }
func BenchmarkRace16(b *testing.B)            { benchkit.Race16(b, postgresSides(b)) }
