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
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

func BenchmarkOutbox1(b *testing.B)  { benchOutbox(b, 1) }
func BenchmarkOutbox10(b *testing.B) { benchOutbox(b, 10) }

// benchOutbox measures, per dialect and in the same run, with transactions that each append
// batch events to a new aggregate:
//   - baseline: the event store's own rate, appending in transactions;
//   - enqueue: the same transactions, each also enqueueing its events, with no relay running;
//   - store: the same transactions, each also enqueueing its events in the outbox, while a
//     relay publishes them through the EDA publisher to a gochannel subscriber: events/s from
//     the first commit until the subscriber has received the last event;
//   - drain: the relay alone, publishing a backlog of b.N committed records.
//
// An aggregate's records go out one at a time (each waits for the one before it to be marked
// delivered), so batches of 10 take ten relay rounds where batches of 1 take one.
func benchOutbox(b *testing.B, batch int) {
	ctx := context.Background()
	for _, target := range benchTargets(b) {
		tg := target()
		events := newEventStore(b, tg.db)
		store := newOutboxStore(b, tg.db)
		append := func() {
			b.Run(tg.name+"/baseline", func(b *testing.B) {
				batches := outboxBatches(b.N, batch)
				b.ResetTimer()
				for _, envs := range batches {
					require.NoError(b, events.InTx(ctx, func(ctx context.Context) error {
						return events.Append(ctx, nextAggregate(), "Order", 0, envs)
					}))
				}
				reportEvents(b, 1)
			})
		}
		relay := func() {
			b.Run(tg.name+"/store", func(b *testing.B) {
				batches := outboxBatches(b.N, batch)
				received, ob := startBenchRelay(b, store, outboxName(b.Name()))
				b.ResetTimer()
				for _, envs := range batches {
					require.NoError(b, events.InTx(ctx, func(ctx context.Context) error {
						if err := events.Append(ctx, nextAggregate(), "Order", 0, envs); err != nil {
							return err
						}
						return ob.EnqueueEvents(ctx, envs)
					}))
				}
				waitReceived(b, received, b.N)
				reportEvents(b, 1)
			})
		}
		enqueue := func() {
			b.Run(tg.name+"/enqueue", func(b *testing.B) {
				batches := outboxBatches(b.N, batch)
				ob, err := outbox.New(store, func(context.Context, es.Envelope) error { return nil }, outbox.WithName(outboxName(b.Name())))
				require.NoError(b, err)
				b.ResetTimer()
				for _, envs := range batches {
					require.NoError(b, events.InTx(ctx, func(ctx context.Context) error {
						if err := events.Append(ctx, nextAggregate(), "Order", 0, envs); err != nil {
							return err
						}
						return ob.EnqueueEvents(ctx, envs)
					}))
				}
				reportEvents(b, 1)
			})
		}
		inTurn(b, tg.name, append, func() { enqueue(); relay() })
		b.Run(tg.name+"/drain", func(b *testing.B) {
			name := outboxName(b.Name())
			for _, envs := range outboxBatches(b.N, batch) {
				aggregateID := nextAggregate()
				for i := range envs {
					envs[i].AggregateID, envs[i].AggregateType, envs[i].Sequence = aggregateID, "Order", int64(i+1)
				}
				require.NoError(b, store.Enqueue(ctx, name, envs, time.Now()))
			}
			b.ResetTimer()
			received, _ := startBenchRelay(b, store, name)
			waitReceived(b, received, b.N)
			reportEvents(b, 1)
		})
	}
}

// outboxBatches returns n events in batches of batch (the last may be shorter).
func outboxBatches(n, batch int) [][]es.Envelope {
	var out [][]es.Envelope
	for n > 0 {
		k := min(n, batch)
		out = append(out, benchEnvelopes(k))
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
