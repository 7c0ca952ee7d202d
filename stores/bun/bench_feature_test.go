package bunstore_test

// Helpers of the benchmarks that compare a feature with the event store it runs on (the
// projection runner, the outbox relay), each against a shared PostgreSQL database and a SQLite
// file.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
)

// benchPayload is about 200 bytes of JSON.
var benchPayload = json.RawMessage(`{"order_id":"3f1c2a9e-6d1b-4d8e-9a51-5c7e2b0f4a11","customer":"c-1234567","amount":12345,"currency":"EUR","lines":[{"sku":"SKU-001","qty":2},{"sku":"SKU-002","qty":1}],"note":"deliver after 18:00"}`)

func benchEnvelopes(n int) []es.Envelope {
	out := make([]es.Envelope, n)
	now := time.Now().UTC()
	for i := range out {
		out[i] = es.Envelope{EventID: uuid.NewString(), EventType: "OrderPlaced", Payload: benchPayload,
			Metadata: map[string]any{"correlation_id": "corr-1"}, OccurredAt: now, Version: 1}
	}
	return out
}

type benchTarget struct {
	name string
	db   *bun.DB
	pool *pgxpool.Pool // PostgreSQL only
	url  string
}

// benchTargets returns, per dialect, a function that makes a fresh, migrated database. The raw
// baseline and the store share it; inTurn alternates which runs first, so neither always runs on
// the table the other grew.
func benchTargets(b *testing.B) []func() benchTarget {
	return []func() benchTarget{
		func() benchTarget {
			url := testkit.NewPostgresServer(b, "fsync=on").URL() // durable commits, as in production
			pool, err := pgxpool.New(context.Background(), url)
			require.NoError(b, err)
			b.Cleanup(pool.Close)
			return benchTarget{name: "postgres", db: openDB(b, url), pool: pool, url: url}
		},
		func() benchTarget { return benchTarget{name: "sqlite", db: openDB(b, testkit.SQLiteFileURL(b))} },
	}
}

var benchAggregate atomic.Int64

func nextAggregate() string { return fmt.Sprintf("bench-%d", benchAggregate.Add(1)) }

func reportEvents(b *testing.B, perOp int) {
	b.ReportMetric(float64(b.N*perOp)/b.Elapsed().Seconds(), "events/s")
}

// benchRound alternates which of a pair runs first from one -count round to the next, so
// neither side always meets the server's deferred work (checkpoints, autovacuum) the other left.
var benchRounds sync.Map // benchmark and target name -> *atomic.Int64

func inTurn(b *testing.B, target string, raw, store func()) {
	n, _ := benchRounds.LoadOrStore(b.Name()+"/"+target, new(atomic.Int64))
	if n.(*atomic.Int64).Add(1)%2 == 0 {
		store()
		raw()
		return
	}
	raw()
	store()
}
