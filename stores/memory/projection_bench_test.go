package memory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// BenchmarkProjection compares a runner (no-op handler, one unit of work per batch on the memory
// checkpoint store) with paging the same store by hand ("limit"), in turn in the same run.
func BenchmarkProjection(b *testing.B) {
	store := memory.NewEventStore()
	for i := range 1000 { // 100,000 events, as on the SQL stores
		if err := store.Append(context.Background(), fmt.Sprintf("order-%d", i), "Order", 0, testkit.Envelopes(b, "OrderPlaced", i*100, 100)); err != nil {
			b.Fatal(err)
		}
	}
	benchkit.InTurn(b, "",
		benchkit.Variant{Name: "limit", Run: func(b *testing.B) { benchkit.ReadAll(b, store, 100) }},
		benchkit.Variant{Name: "store", Run: func(b *testing.B) { benchkit.Runner(b, store, memory.NewCheckpointStore(), 100) }},
	)
}
