package bunstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

// BenchmarkProjection runs a projection over a 10,000-event stream at the default batch size
// (100), with a no-op handler: "store" is the runner end to end (one transaction per batch on the
// checkpoint store, in the same database: begin, move the checkpoint, apply, commit), "baseline"
// pages the same store by hand with ReadAll at the same limit, in the same run.
func BenchmarkProjection(b *testing.B) { benchProjection(b, 100) }

// BenchmarkProjectionBatch500 is BenchmarkProjection at batch size 500: the transaction's three
// round trips are shared by five times as many events.
func BenchmarkProjectionBatch500(b *testing.B) { benchProjection(b, 500) }

func benchProjection(b *testing.B, batch int) {
	const total = 10000
	ctx := context.Background()
	for _, target := range benchTargets(b) {
		tg := target()
		s := newEventStore(b, tg.db)
		for i := 0; i < total/100; i++ {
			require.NoError(b, s.Append(ctx, nextAggregate(), "Order", 0, benchEnvelopes(100)))
		}
		checkpoints, err := bunstore.NewCheckpointStore(tg.db)
		require.NoError(b, err)
		inTurn(b, tg.name, func() {
			b.Run(tg.name+"/baseline", func(b *testing.B) { testkit.BenchReadAll(b, s, batch) })
		}, func() {
			b.Run(tg.name+"/store", func(b *testing.B) { testkit.BenchRunner(b, s, checkpoints, batch) })
		})
	}
}
