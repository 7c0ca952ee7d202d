package bunstore_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
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

// BenchmarkOutboxKeepNone1 and 10 are BenchmarkOutbox1 and 10 for an outbox that keeps no
// delivered records (outbox.WithRetention(0)): the relay deletes each record as it delivers it,
// instead of marking it and pruning it later.
func BenchmarkOutboxKeepNone1(b *testing.B)  { benchOutbox(b, 1, outbox.WithRetention(0)) }
func BenchmarkOutboxKeepNone10(b *testing.B) { benchOutbox(b, 10, outbox.WithRetention(0)) }

// benchOutbox measures, per dialect, in turn in the same run, transactions that each append
// batch events to a new aggregate (the outbox built with opts):
//   - limit: the event store alone, appending in transactions;
//   - store: the same transactions, each also enqueueing its events in the outbox as a
//     repository's save does (on PostgreSQL the append writes the records in its own statement),
//     while a relay publishes them through the EDA publisher to a gochannel subscriber: events/s
//     from the first commit until the subscriber has received the last event;
//   - peer-watermill (PostgreSQL, without opts): Watermill's SQL outbox instead, its publisher
//     writing the messages in the append's transaction and its forwarder moving them to the same
//     gochannel.
func benchOutbox(b *testing.B, batch int, opts ...outbox.Option) {
	for _, target := range benchTargets(b) {
		tg := target()
		events := newEventStore(b, tg.db)
		store := newOutboxStore(b, tg.db)
		variants := []benchkit.Variant{
			{Name: "limit", Run: appendAlone(events, batch)},
			{Name: "store", Run: func(b *testing.B) {
				received, ob := startBenchRelay(b, store, outboxName(b.Name()), opts...)
				appendThrough(b, events, batch, received, outboxStep(ob))
			}},
		}
		if tg.name == "postgres" && len(opts) == 0 { // the peer's rows do not depend on our options
			variants = append(variants, benchkit.Variant{Name: "peer-watermill", Run: func(b *testing.B) {
				received, enqueue := startWatermillForwarder(b, tg.db)
				appendThrough(b, events, batch, received, txStep{after: enqueue})
			}})
		}
		benchkit.InTurn(b, tg.name, variants...)
	}
}

func BenchmarkOutboxEnqueue1(b *testing.B)  { benchOutboxEnqueue(b, 1) }
func BenchmarkOutboxEnqueue10(b *testing.B) { benchOutboxEnqueue(b, 10) }

// benchOutboxEnqueue measures what writing the outbox records costs the business transaction:
// the append alone (limit) next to the append and the enqueue of its events (store), no relay
// running. It bounds what the relay rows can reach.
func benchOutboxEnqueue(b *testing.B, batch int) {
	for _, target := range benchTargets(b) {
		tg := target()
		events := newEventStore(b, tg.db)
		store := newOutboxStore(b, tg.db)
		warmOutbox(b, store)
		benchkit.InTurn(b, tg.name,
			benchkit.Variant{Name: "limit", Run: appendAlone(events, batch)},
			benchkit.Variant{Name: "store", Run: func(b *testing.B) {
				name := outboxName(b.Name())
				runAppends(b, events, outboxBatches(b, b.N, batch), txStep{
					before: func(ctx context.Context, envs []es.Envelope) (context.Context, func() bool) {
						return store.EnqueueWithAppend(ctx, store, name, envs, time.Now())
					},
					after: func(ctx context.Context, envs []es.Envelope) error { return store.Enqueue(ctx, name, envs, time.Now()) },
				})
				benchkit.Report(b, 1)
			}})
	}
}

// warmOutbox makes the store prepare its statements as a running relay's first claim does.
func warmOutbox(b *testing.B, store *bunstore.OutboxStore) {
	now := time.Now()
	_, err := store.Claim(context.Background(), outbox.ClaimRequest{Outbox: "warm", Owner: "bench", Limit: 1, Now: now, Until: now.Add(time.Second)})
	require.NoError(b, err)
}

// appendAlone is the limit of the outbox rows: batches appended in transactions, nothing else.
func appendAlone(events *bunstore.EventStore, batch int) func(b *testing.B) {
	return func(b *testing.B) {
		runAppends(b, events, outboxBatches(b, b.N, batch), txStep{})
		benchkit.Report(b, 1)
	}
}

// txStep is what a benchmark's transaction does besides its append: after (nil: nothing) runs
// after the append, unless before (nil: none) prepared the append's context so that the append
// did it already, as a repository with an outbox saves (see outbox.AppendEnqueuer).
type txStep struct {
	before func(ctx context.Context, envs []es.Envelope) (context.Context, func() bool)
	after  func(ctx context.Context, envs []es.Envelope) error
}

// outboxStep enqueues the events into ob as a repository's save does.
func outboxStep(ob *outbox.Outbox) txStep {
	return txStep{before: ob.EnqueueWithAppend, after: ob.EnqueueEvents}
}

// appendTx appends envs to a new aggregate in a transaction of its own that also does step.
func appendTx(ctx context.Context, events *bunstore.EventStore, envs []es.Envelope, step txStep) error {
	return events.InTx(ctx, func(ctx context.Context) error {
		appendCtx, done := ctx, func() bool { return false }
		if step.before != nil {
			appendCtx, done = step.before(ctx, envs)
		}
		if err := events.Append(appendCtx, benchkit.NextAggregate(), benchkit.AggregateType, 0, envs); err != nil {
			return err
		}
		if step.after == nil || done() {
			return nil
		}
		return step.after(ctx, envs)
	})
}

// runAppends appends each batch to a new aggregate in a transaction of its own that also does
// step, with the timer running from the first transaction on.
func runAppends(b *testing.B, events *bunstore.EventStore, batches [][]es.Envelope, step txStep) {
	ctx := context.Background()
	b.ResetTimer()
	for _, envs := range batches {
		require.NoError(b, appendTx(ctx, events, envs, step))
	}
}

// appendThrough appends b.N events in batches, each batch's transaction also doing step (the
// enqueue), and waits until the subscriber received them all: events/s from the first commit on.
func appendThrough(b *testing.B, events *bunstore.EventStore, batch int, received *atomic.Int64, step txStep) {
	runAppends(b, events, outboxBatches(b, b.N, batch), step)
	waitReceived(b, received, b.N)
	benchkit.Report(b, 1)
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

// benchSubscriber subscribes to the EDA destination of a new gochannel and calls got with each
// message it receives. It returns the gochannel, closed when the benchmark ends.
func benchSubscriber(b *testing.B, got func(m *message.Message)) *gochannel.GoChannel {
	b.Helper()
	ps := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 1024}, watermill.NopLogger{})
	b.Cleanup(func() { _ = ps.Close() })
	msgs, err := ps.Subscribe(context.Background(), eda.DefaultDestination)
	require.NoError(b, err)
	go func() {
		for m := range msgs {
			m.Ack()
			got(m)
		}
	}()
	return ps
}

// startBenchRelay starts the outbox name on store, publishing through the EDA publisher to a
// gochannel whose subscriber counts what it receives. The relays poll at the default interval
// (1 s): commit signals wake them.
func startBenchRelay(b *testing.B, store *bunstore.OutboxStore, name string, opts ...outbox.Option) (*atomic.Int64, *outbox.Outbox) {
	b.Helper()
	var received atomic.Int64
	ps := benchSubscriber(b, func(*message.Message) { received.Add(1) })
	return &received, startBenchOutbox(b, store, name, ps, opts...)
}

// startBenchOutbox starts the outbox name on store with claims of 200 and opts, publishing to ps.
func startBenchOutbox(b *testing.B, store *bunstore.OutboxStore, name string, ps message.Publisher, opts ...outbox.Option) *outbox.Outbox {
	b.Helper()
	ob, err := outbox.New(store, eda.NewPublisher(ps, "").Publish, append([]outbox.Option{outbox.WithName(name),
		outbox.WithBatchSize(200), outbox.WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	require.NoError(b, err)
	require.NoError(b, ob.Start(context.Background()))
	b.Cleanup(func() { _ = ob.Stop(context.Background()) })
	return ob
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

// BenchmarkOutboxLatency measures, per dialect, the time from the commit of a transaction that
// appends and enqueues one event until the subscriber receives it (store: p50 and p99, in ms),
// at a steady rate of half what the append alone reaches (limit, events/s), measured just before.
func BenchmarkOutboxLatency(b *testing.B) {
	for _, target := range benchTargets(b) {
		tg := target()
		events := newEventStore(b, tg.db)
		store := newOutboxStore(b, tg.db)
		benchkit.InTurn(b, tg.name,
			benchkit.Variant{Name: "limit", Run: appendAlone(events, 1)},
			benchkit.Variant{Name: "store", Run: func(b *testing.B) { outboxLatency(b, events, store) }})
	}
}

// outboxLatency measures the append alone for a moment, then appends and enqueues b.N events, one
// per transaction, at half that rate, and reports the percentiles of commit-to-receive latency.
func outboxLatency(b *testing.B, events *bunstore.EventStore, store *bunstore.OutboxStore) {
	paceLatency(b, events, func(ps message.Publisher) txStep {
		return outboxStep(startBenchOutbox(b, store, outboxName(b.Name()), ps))
	})
}

// paceLatency measures the append alone for a moment, then appends b.N events, one per
// transaction, at half that rate, each transaction also doing the step start returned once
// start has set up the publishing to ps, and reports the percentiles of commit-to-receive
// latency.
func paceLatency(b *testing.B, events *bunstore.EventStore, start func(ps message.Publisher) txStep) {
	const probe = 200
	began := time.Now()
	runAppends(b, events, outboxBatches(b, probe, 1), txStep{})
	interval := 2 * time.Since(began) / probe

	var (
		mu        sync.Mutex
		committed = make(map[string]time.Time, b.N)
		arrived   = make(map[string]time.Time, b.N)
		received  atomic.Int64
	)
	ps := benchSubscriber(b, func(m *message.Message) {
		now := time.Now()
		mu.Lock()
		arrived[m.UUID] = now
		mu.Unlock()
		received.Add(1)
	})
	step := start(ps)
	batches := outboxBatches(b, b.N, 1)
	ctx := context.Background()
	b.ResetTimer()
	begin := time.Now()
	for i, envs := range batches {
		time.Sleep(time.Until(begin.Add(time.Duration(i) * interval)))
		require.NoError(b, appendTx(ctx, events, envs, step))
		now := time.Now()
		mu.Lock()
		committed[envs[0].EventID] = now
		mu.Unlock()
	}
	waitReceived(b, &received, b.N)
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	lat := make([]float64, 0, len(committed))
	for id, at := range committed {
		lat = append(lat, max(0, arrived[id].Sub(at).Seconds()*1000))
	}
	slices.Sort(lat)
	b.ReportMetric(percentile(lat, 0.50), "p50-ms")
	b.ReportMetric(percentile(lat, 0.99), "p99-ms")
}

// percentile of sorted values, nearest rank.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}
