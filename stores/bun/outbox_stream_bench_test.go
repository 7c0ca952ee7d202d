package bunstore_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/internal/benchkit"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

func BenchmarkOutboxStream1(b *testing.B)  { benchOutboxStream(b, 1) }
func BenchmarkOutboxStream10(b *testing.B) { benchOutboxStream(b, 10) }

// benchOutboxStream measures, per dialect, in turn in the same run, transactions that each
// append batch events to a new aggregate:
//   - limit: the event store alone;
//   - store: the same appends while an outbox stream (outbox.NewStream, the outbox without
//     records, its position in the checkpoint table of the same database) publishes them through
//     the EDA publisher to a gochannel subscriber: events/s from the first commit until the
//     subscriber has received the last event;
//   - peer-watermill (PostgreSQL): Watermill's SQL outbox, its publisher writing the messages in
//     the append's transaction and its forwarder moving them to the same gochannel.
func benchOutboxStream(b *testing.B, batch int) {
	for _, target := range benchTargets(b) {
		tg := target()
		events := newEventStore(b, tg.db)
		checkpoints, err := bunstore.NewCheckpointStore(tg.db)
		require.NoError(b, err)
		variants := []benchkit.Variant{
			{Name: "limit", Run: appendAlone(events, batch)},
			{Name: "store", Run: func(b *testing.B) {
				var received atomic.Int64
				ps := benchSubscriber(b, func(*message.Message) { received.Add(1) })
				startBenchStream(b, events, checkpoints, ps)
				appendThrough(b, events, batch, &received, txStep{})
			}},
		}
		if tg.name == "postgres" {
			variants = append(variants, benchkit.Variant{Name: "peer-watermill", Run: func(b *testing.B) {
				received, enqueue := startWatermillForwarder(b, tg.db)
				appendThrough(b, events, batch, received, txStep{after: enqueue})
			}})
		}
		benchkit.InTurn(b, tg.name, variants...)
	}
}

// startBenchStream starts an outbox stream of its own over events, its position set to the
// stream's last position first, publishing through the EDA publisher to ps, stopped when the
// benchmark ends.
func startBenchStream(b *testing.B, events es.EventStore, checkpoints projection.CheckpointStore, ps message.Publisher) {
	b.Helper()
	ctx := context.Background()
	name := outboxName(b.Name())
	last, err := events.LastPosition(ctx)
	require.NoError(b, err)
	require.NoError(b, checkpoints.Reset(ctx, outbox.StreamName(name), last))
	s, err := outbox.NewStream(events, eda.NewPublisher(ps, "").Publish, outbox.StreamConfig{
		Config:      outbox.Config{Name: name, Logger: slog.New(slog.DiscardHandler)},
		Checkpoints: checkpoints,
	})
	require.NoError(b, err)
	require.NoError(b, s.Start(ctx))
	b.Cleanup(func() { _ = s.Stop(context.Background()) })
}

// BenchmarkOutboxStreamLatency is BenchmarkOutboxLatency for the outbox stream: the time from
// the commit of a transaction that appends one event until the subscriber receives it (store: p50
// and p99, in ms), at half the rate of the append alone (limit), measured just before.
func BenchmarkOutboxStreamLatency(b *testing.B) {
	for _, target := range benchTargets(b) {
		tg := target()
		events := newEventStore(b, tg.db)
		checkpoints, err := bunstore.NewCheckpointStore(tg.db)
		require.NoError(b, err)
		benchkit.InTurn(b, tg.name,
			benchkit.Variant{Name: "limit", Run: appendAlone(events, 1)},
			benchkit.Variant{Name: "store", Run: func(b *testing.B) {
				paceLatency(b, events, func(ps message.Publisher) txStep {
					startBenchStream(b, events, checkpoints, ps)
					return txStep{}
				})
			}})
	}
}
