package bunstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/internal/benchkit"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// BenchmarkProjection runs a projection over a 100,000-event stream at the default batch size
// (100), with a no-op handler: "store" is the runner end to end (one transaction per batch on the
// checkpoint store, in the same database: begin, move the checkpoint, apply, commit; while it
// catches up, full pages share a batch where commits are dear), "limit" pages the same store by
// hand with ReadAll at the same limit, in turn in the same run. Both read at the batch size.
func BenchmarkProjection(b *testing.B) { benchProjection(b, 100) }

// BenchmarkProjectionBatch500 is BenchmarkProjection at batch size 500.
func BenchmarkProjectionBatch500(b *testing.B) { benchProjection(b, 500) }

func benchProjection(b *testing.B, batch int) {
	const total = 100000
	ctx := context.Background()
	for _, target := range benchTargets(b) {
		tg := target()
		s := newEventStore(b, tg.db)
		for range total / 100 {
			require.NoError(b, s.Append(ctx, benchkit.NextAggregate(), benchkit.AggregateType, 0, benchEnvelopes(b, 100)))
		}
		checkpoints, err := bunstore.NewCheckpointStore(tg.db)
		require.NoError(b, err)
		benchkit.InTurn(b, tg.name,
			benchkit.Variant{Name: "limit", Run: func(b *testing.B) { benchkit.ReadAll(b, s, batch) }},
			benchkit.Variant{Name: "store", Run: func(b *testing.B) { benchkit.Runner(b, s, checkpoints, batch) }},
		)
	}
}
