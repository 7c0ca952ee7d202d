package memory_test

import (
	"testing"

	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/internal/benchkit/memsides"
	"github.com/gofly/eventsourcing/stores/memory"
)

// The benchmarks run each workload of benchkit on the store and its baselines (see
// internal/benchkit/memsides), in one process, in an order that turns from one -count run to the
// next.

func sides(b *testing.B) benchkit.Sides {
	s := memsides.Sides(b)
	bare, err := benchkit.NewStoreSide(memory.Bare{EventStore: memory.NewEventStore()}, memory.NewSnapshotStore())
	if err != nil {
		b.Fatal(err)
	}
	s.Side[benchkit.Bare] = bare // a store reached past its observer checks
	return s
}

func BenchmarkAppend1(b *testing.B)           { benchkit.Append(b, sides(b), 1) }
func BenchmarkAppend10(b *testing.B)          { benchkit.Append(b, sides(b), 10) }
func BenchmarkAppend100(b *testing.B)         { benchkit.Append(b, sides(b), 100) }
func BenchmarkConcurrentWriters(b *testing.B) { benchkit.ConcurrentWriters(b, sides(b)) }
func BenchmarkLoad1000(b *testing.B)          { benchkit.Load1000(b, sides(b)) }
func BenchmarkCatchUp(b *testing.B)           { benchkit.CatchUp(b, sides(b)) }
func BenchmarkRace16(b *testing.B)            { benchkit.Race16(b, sides(b)) }
func BenchmarkSnapshotLoad(b *testing.B)      { benchkit.SnapshotLoad(b, sides(b)) }
func BenchmarkHookAppend1(b *testing.B)       { benchkit.HookAppend1(b, sides(b)) }
func BenchmarkHookLoad1000(b *testing.B)      { benchkit.HookLoad1000(b, sides(b)) }
