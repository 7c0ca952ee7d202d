package bunstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/benchkit"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// backlogBatch is the events of one aggregate in a backlog benchmark, appended together.
const backlogBatch = 10

// BenchmarkOutboxBacklog measures, per dialect, how fast an outbox that fell behind catches up:
// b.N events, 10 per aggregate, are appended and enqueued with nothing publishing them (not
// timed), then the timer runs from the start of the publishing until the subscriber has the last
// one:
//   - store: a relay of ours (claims of 200) publishing through the EDA publisher to a gochannel;
//   - limit: the same records read in pages of 200 with a plain SELECT and published the same
//     way, with no claim and no mark: what any relay over that table is bounded by;
//   - peer-watermill (PostgreSQL): Watermill's SQL outbox filled in the same transactions, its
//     forwarder started once they are committed.
func BenchmarkOutboxBacklog(b *testing.B) {
	for _, target := range benchTargets(b) {
		tg := target()
		events := newEventStore(b, tg.db)
		store := newOutboxStore(b, tg.db)
		enqueueStep := func(name string) txStep {
			return txStep{after: func(ctx context.Context, envs []es.Envelope) error {
				return store.Enqueue(ctx, name, envs, time.Now())
			}}
		}
		variants := []benchkit.Variant{
			{Name: "store", Run: func(b *testing.B) {
				name := outboxName(b.Name())
				fillBacklog(b, events, enqueueStep(name))
				received, _ := startBenchRelay(b, store, name)
				waitReceived(b, received, b.N)
				benchkit.Report(b, 1)
			}},
			{Name: "limit", Run: func(b *testing.B) {
				name := outboxName(b.Name())
				fillBacklog(b, events, enqueueStep(name))
				var received atomic.Int64
				pub := eda.NewPublisher(benchSubscriber(b, func(*message.Message) { received.Add(1) }), "")
				require.NoError(b, pageBacklog(tg.db, tg.name, name, pub))
				waitReceived(b, &received, b.N)
				benchkit.Report(b, 1)
			}},
		}
		if tg.name == "postgres" {
			variants = append(variants, benchkit.Variant{Name: "peer-watermill", Run: func(b *testing.B) {
				w := newWatermillOutbox(b, tg.db)
				fillBacklog(b, events, txStep{after: w.enqueue})
				w.start()
				waitReceived(b, w.received, b.N)
				benchkit.Report(b, 1)
			}})
		}
		benchkit.InTurn(b, tg.name, variants...)
	}
}

// fillBacklog appends b.N events, backlogBatch to an aggregate, each batch's transaction also
// doing step, then resets the timer.
func fillBacklog(b *testing.B, events *bunstore.EventStore, step txStep) {
	b.Helper()
	runAppends(b, events, outboxBatches(b, b.N, backlogBatch), step)
	b.ResetTimer()
}

// pageBacklog reads the live records of outbox name in seq order, in pages of 200 with a plain
// SELECT through the index of live records, and publishes each through pub: the limit of
// BenchmarkOutboxBacklog. dialect is "postgres" or "sqlite".
func pageBacklog(db *bun.DB, dialect, name string, pub *eda.Publisher) error {
	ctx := context.Background()
	live := "delivered_at IS NULL AND NOT dead" // the partial index's condition, as each dialect spells it
	if dialect == "sqlite" {
		live = "delivered_at IS NULL AND dead = 0"
	}
	q := `SELECT seq, event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at,
	version, global_position
FROM pyfly_outbox WHERE outbox = ? AND seq > ? AND ` + live + ` ORDER BY seq LIMIT 200`
	var after int64
	for {
		rows, err := db.QueryContext(ctx, q, name, after)
		if err != nil {
			return err
		}
		var page []es.Envelope
		for rows.Next() {
			var (
				e                 es.Envelope
				payload, metadata []byte
				occurred          any
			)
			if err := rows.Scan(&after, &e.EventID, &e.AggregateID, &e.AggregateType, &e.Sequence, &e.EventType,
				&payload, &metadata, &occurred, &e.Version, &e.GlobalPosition); err != nil {
				_ = rows.Close()
				return err
			}
			e.Payload = payload
			if err := json.Unmarshal(metadata, &e.Metadata); err != nil {
				_ = rows.Close()
				return err
			}
			if e.OccurredAt, err = scannedTime(occurred); err != nil {
				_ = rows.Close()
				return err
			}
			page = append(page, e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, e := range page {
			if err := pub.Publish(ctx, e); err != nil {
				return err
			}
		}
	}
}

// scannedTime is a time column as PostgreSQL (a time) or SQLite (RFC 3339 text) returns it.
func scannedTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t, nil
	case string:
		return time.Parse(time.RFC3339Nano, t)
	case []byte:
		return time.Parse(time.RFC3339Nano, string(t))
	}
	return time.Time{}, fmt.Errorf("time column: unexpected %T", v)
}
