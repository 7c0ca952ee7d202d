// Package memsides holds the variants the memory store's benchmarks measure: the store (store),
// the least an in-memory store can do with the same guarantees (limit: a map plus a slice under a
// mutex, see limitStore) and a plain map and slice doing only the JSON work (minimal, see
// plainStore). The memory store's benchmarks and the benchmarks that compare it with other
// libraries measure the same variants.
package memsides

import (
	"testing"

	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/stores/memory"
)

// Sides returns the memory store's variants, new and empty, named "store", "limit" and
// "minimal", measured in that order.
func Sides(b *testing.B) benchkit.Sides {
	return benchkit.Sides{Store: "memory", Names: []string{"store", "limit", "minimal"}, Side: map[string]benchkit.Side{
		"store": newStoreSide(b), "limit": newLimitStore(), "minimal": newPlainStore(),
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
