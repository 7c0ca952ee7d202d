package bunstore_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/internal/benchkit"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

func BenchmarkOutbox1(b *testing.B)  { benchOutbox(b, 1) }
func BenchmarkOutbox10(b *testing.B) { benchOutbox(b, 10) }

// benchOutbox measures, per dialect, in turn in the same run, transactions that each append
// batch events to a new aggregate:
//   - limit: the event store alone, appending in transactions;
//   - store: the same transactions, each also enqueueing its events in the outbox, while a relay
//     publishes them through the EDA publisher to a gochannel subscriber: events/s from the first
//     commit until the subscriber has received the last event.
//
// An aggregate's records go out one at a time (each waits for the one before it to be marked
// delivered), so batches of 10 take ten relay rounds where batches of 1 take one.
func benchOutbox(b *testing.B, batch int) {
	ctx := context.Background()
	for _, target := range benchTargets(b) {
		tg := target()
		events := newEventStore(b, tg.db)
		store := newOutboxStore(b, tg.db)
		appendAlone := func(b *testing.B) {
			batches := outboxBatches(b, b.N, batch)
			b.ResetTimer()
			for _, envs := range batches {
				require.NoError(b, events.InTx(ctx, func(ctx context.Context) error {
					return events.Append(ctx, benchkit.NextAggregate(), benchkit.AggregateType, 0, envs)
				}))
			}
			benchkit.Report(b, 1)
		}
		throughRelay := func(b *testing.B) {
			batches := outboxBatches(b, b.N, batch)
			received, ob := startBenchRelay(b, store, outboxName(b.Name()))
			b.ResetTimer()
			for _, envs := range batches {
				require.NoError(b, events.InTx(ctx, func(ctx context.Context) error {
					if err := events.Append(ctx, benchkit.NextAggregate(), benchkit.AggregateType, 0, envs); err != nil {
						return err
					}
					return ob.EnqueueEvents(ctx, envs)
				}))
			}
			waitReceived(b, received, b.N)
			benchkit.Report(b, 1)
		}
		benchkit.InTurn(b, tg.name,
			benchkit.Variant{Name: "limit", Run: appendAlone},
			benchkit.Variant{Name: "store", Run: throughRelay})
	}
}

// outboxBatches returns n events in batches of batch (the last may be shorter).
func outboxBatches(b *testing.B, n, batch int) [][]es.Envelope {
	var out [][]es.Envelope
	for n > 0 {
		k := min(n, batch)
		out = append(out, benchEnvelopes(b, k))
		n -= k
	}
	return out
}

// outboxName gives each benchmark run an outbox of its own, so no run publishes another's records.
func outboxName(benchmark string) string {
	return "bench-" + time.Now().Format("150405.000000000") + "-" + benchmark[max(0, len(benchmark)-30):]
}

// startBenchRelay starts the outbox name on store, publishing through the EDA publisher to a
// gochannel whose subscriber counts what it receives. The relays poll at the default interval
// (1 s): commit signals wake them.
func startBenchRelay(b *testing.B, store *bunstore.OutboxStore, name string) (*atomic.Int64, *outbox.Outbox) {
	b.Helper()
	ps := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 1024}, watermill.NopLogger{})
	b.Cleanup(func() { _ = ps.Close() })
	msgs, err := ps.Subscribe(context.Background(), eda.DefaultDestination)
	require.NoError(b, err)
	var received atomic.Int64
	go func() {
		for m := range msgs {
			m.Ack()
			received.Add(1)
		}
	}()
	ob, err := outbox.New(store, eda.NewPublisher(ps, "").Publish, outbox.WithName(name),
		outbox.WithBatchSize(200),
		outbox.WithRetention(time.Hour), outbox.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(b, err)
	require.NoError(b, ob.Start(context.Background()))
	b.Cleanup(func() { _ = ob.Stop(context.Background()) })
	return &received, ob
}

func waitReceived(b *testing.B, received *atomic.Int64, n int) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for received.Load() < int64(n) {
		if time.Now().After(deadline) {
			b.Fatalf("received %d of %d events", received.Load(), n)
		}
		time.Sleep(200 * time.Microsecond)
	}
}
