package memory_test

import (
	"testing"

	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/stores/memory"
)

// The benchmarks run each workload of benchkit on the store (store) and on the least an
// in-memory store can do with the same guarantees (limit: a map plus a slice under a mutex,
// see limitStore), in one process, in an order that turns from one -count run to the next.

func sides(b *testing.B) benchkit.Sides {
	store := newStoreSide(b)
	return benchkit.Sides{Store: "memory", Names: []string{"store", "limit"}, Side: map[string]benchkit.Side{
		"store": store, "limit": newLimitStore(), benchkit.Bare: newStoreSide(b).bare(),
	}}
}

// Fresh implements benchkit.Freshener.
func (s *storeSide) Fresh() benchkit.Side { return newStoreSide(s.b) }

// Fresh implements benchkit.Freshener.
func (s *limitStore) Fresh() benchkit.Side { return newLimitStore() }

// storeSide is ours, new for each run of a workload that wants a fresh store.
type storeSide struct {
	*benchkit.StoreSide
	b      *testing.B
	events *memory.EventStore
}

func newStoreSide(b *testing.B) *storeSide {
	events := memory.NewEventStore()
	s, err := benchkit.NewStoreSide(events, memory.NewSnapshotStore())
	if err != nil {
		b.Fatal(err)
	}
	return &storeSide{StoreSide: s, b: b, events: events}
}

// bare is s's store reached past its observer checks (benchkit.Bare).
func (s *storeSide) bare() *benchkit.StoreSide {
	side, err := benchkit.NewStoreSide(memory.Bare{EventStore: s.events}, memory.NewSnapshotStore())
	if err != nil {
		s.b.Fatal(err)
	}
	return side
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
