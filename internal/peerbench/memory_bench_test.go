package peerbench_test

import (
	"testing"

	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/internal/benchkit/memsides"
	"github.com/gofly/eventsourcing/internal/peerbench"
)

// The memory rows: the memory store's variants (store, limit, minimal) and the peers', in turn in
// one process. Snapshot loads are not compared.

func memorySides(b *testing.B) benchkit.Sides {
	s := memsides.Sides(b)
	s.Names = append(s.Names, "peer-hallgren")
	s.Side["peer-hallgren"] = peerbench.NewHallgrenMemory()
	return s
}

func BenchmarkAppend1(b *testing.B)           { benchkit.Append(b, memorySides(b), 1) }
func BenchmarkAppend10(b *testing.B)          { benchkit.Append(b, memorySides(b), 10) }
func BenchmarkAppend100(b *testing.B)         { benchkit.Append(b, memorySides(b), 100) }
func BenchmarkConcurrentWriters(b *testing.B) { benchkit.ConcurrentWriters(b, memorySides(b)) }
func BenchmarkLoad1000(b *testing.B)          { benchkit.Load1000(b, memorySides(b)) }
func BenchmarkCatchUp(b *testing.B)           { benchkit.CatchUp(b, memorySides(b)) }
func BenchmarkRace16(b *testing.B)            { benchkit.Race16(b, memorySides(b)) }
