package bunstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/internal/benchkit"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// BenchmarkRebuild1M rebuilds a read model on PostgreSQL: "store" is a new version of a
// projection (version 2, in replay mode, beside the active version 1) catching up over a
// 1,000,000-event stream at the default batch size with a no-op handler, until it takes over and
// has applied every event; "limit" pages the same stream with ReadAll at the same limit, in turn
// in the same run. Run by make bench, never by make test (the stream takes a while to write).
func BenchmarkRebuild1M(b *testing.B) {
	const total, perAppend = 1_000_000, 1000
	ctx := context.Background()
	tg := benchTargets(b)[0]()
	s := newEventStore(b, tg.db)
	for range total / perAppend {
		require.NoError(b, s.Append(ctx, benchkit.NextAggregate(), benchkit.AggregateType, 0, benchEnvelopes(b, perAppend)))
	}
	checkpoints, err := bunstore.NewCheckpointStore(tg.db)
	require.NoError(b, err)
	benchkit.InTurn(b, tg.name,
		benchkit.Variant{Name: "limit", Run: func(b *testing.B) { benchkit.ReadAll(b, s, projection.DefaultBatchSize) }},
		benchkit.Variant{Name: "store", Run: func(b *testing.B) {
			benchkit.Runner(b, s, checkpoints, projection.DefaultBatchSize, projection.WithVersion(2))
		}},
	)
}
