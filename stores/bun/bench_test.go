package bunstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/testkit"
)

// The raw baselines run the store's own SQL by hand: pgx's native pool on PostgreSQL (one
// statement that checks the version and inserts, its own transaction), database/sql on SQLite.
const (
	rawPGAppendSQL = `WITH head AS MATERIALIZED (
	SELECT pg_current_xact_id()::text::bigint * 1048576 AS base, coalesce(h.sequence, 0) AS seq, coalesce(h.global_position, 0) AS pos
	FROM (SELECT 1) AS one LEFT JOIN LATERAL (
		SELECT sequence, global_position FROM pyfly_event_store WHERE aggregate_id = $1 ORDER BY sequence DESC LIMIT 1
	) AS h ON true
), ins AS (
	INSERT INTO pyfly_event_store
		(event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, global_position)
	SELECT e.event_id, $1, $2, $3 + e.ord, e.event_type, e.payload, e.metadata, e.occurred_at, e.version, nullif(e.tenant_id, ''), head.base + $4 + e.ord
	FROM head, unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::int[], $11::text[])
		WITH ORDINALITY AS e(event_id, event_type, payload, metadata, occurred_at, version, tenant_id, ord)
	WHERE head.seq = $3 AND (head.seq = 0 OR head.pos < head.base + 1048576)
	RETURNING 1
)
SELECT base, seq, pos, (SELECT count(*) FROM ins) FROM head`
	rawColumns    = `event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, global_position`
	rawPGLoad     = `SELECT ` + rawColumns + ` FROM pyfly_event_store WHERE aggregate_id = $1 AND sequence > $2 ORDER BY sequence`
	rawPGReadAll  = `SELECT ` + rawColumns + ` FROM pyfly_event_store WHERE global_position > $1 AND global_position < pg_snapshot_xmin(pg_current_snapshot())::text::bigint * 1048576 AND ($1 = 0 OR EXISTS (SELECT 1 FROM pyfly_event_store WHERE global_position = $1)) ORDER BY global_position LIMIT $2`
	rawSQLiteHead = `SELECT coalesce((SELECT sequence FROM pyfly_event_store WHERE aggregate_id = ? ORDER BY sequence DESC LIMIT 1), 0),
	coalesce((SELECT max(global_position) FROM pyfly_event_store), 0)`
	rawSQLiteInsertPrefix = `INSERT INTO pyfly_event_store
	(event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, global_position) VALUES `
	rawSQLiteLoad    = `SELECT ` + rawColumns + ` FROM pyfly_event_store WHERE aggregate_id = ? AND sequence > ? ORDER BY sequence`
	rawSQLiteReadAll = `SELECT ` + rawColumns + ` FROM pyfly_event_store WHERE global_position > ?1 AND (?1 = 0 OR EXISTS (SELECT 1 FROM pyfly_event_store WHERE global_position = ?1)) ORDER BY global_position LIMIT ?2`
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
			url := testkit.StartPostgres(b)
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

func BenchmarkAppend1(b *testing.B)   { benchAppend(b, 1) }
func BenchmarkAppend100(b *testing.B) { benchAppend(b, 100) }

// benchAppend appends batches of n events to new aggregates: version check, insert, commit.
func benchAppend(b *testing.B, n int) {
	ctx := context.Background()
	for _, target := range benchTargets(b) {
		tg := target()
		raw := func() {
			b.Run(tg.name+"/raw", func(b *testing.B) {
				batches := make([][]es.Envelope, b.N)
				for i := range batches {
					batches[i] = benchEnvelopes(n)
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if tg.pool != nil {
						require.NoError(b, rawPGAppend(ctx, tg.pool, nextAggregate(), batches[i]))
					} else {
						require.NoError(b, rawSQLiteAppend(ctx, tg.db.DB, nextAggregate(), batches[i]))
					}
				}
				reportEvents(b, n)
			})
		}
		store := func() {
			b.Run(tg.name+"/store", func(b *testing.B) {
				s := newEventStore(b, tg.db)
				batches := make([][]es.Envelope, b.N)
				for i := range batches {
					batches[i] = benchEnvelopes(n)
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					require.NoError(b, s.Append(ctx, nextAggregate(), "Order", 0, batches[i]))
				}
				reportEvents(b, n)
			})
		}
		inTurn(b, tg.name, raw, store)
	}
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

func rawPGAppend(ctx context.Context, pool *pgxpool.Pool, id string, events []es.Envelope) error {
	n := len(events)
	ids, types, payloads, metadata, tenants := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	occurred, versions := make([]time.Time, n), make([]int32, n)
	for i, e := range events {
		md, err := json.Marshal(e.Metadata)
		if err != nil {
			return err
		}
		ids[i], types[i], payloads[i], metadata[i], tenants[i] = e.EventID, e.EventType, string(e.Payload), string(md), e.TenantID
		occurred[i], versions[i] = e.OccurredAt, int32(e.Version)
	}
	var base, seq, pos, inserted int64
	if err := pool.QueryRow(ctx, rawPGAppendSQL, id, "Order", int64(0), int64(0), ids, types, payloads, metadata, occurred, versions, tenants).
		Scan(&base, &seq, &pos, &inserted); err != nil {
		return err
	}
	if inserted != int64(n) {
		return fmt.Errorf("conflict")
	}
	return nil
}

func rawSQLiteAppend(ctx context.Context, db *sql.DB, id string, events []es.Envelope) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var seq, pos int64
	if err := tx.QueryRowContext(ctx, rawSQLiteHead, id).Scan(&seq, &pos); err != nil {
		return err
	}
	if seq != 0 {
		return fmt.Errorf("conflict")
	}
	var q strings.Builder
	q.WriteString(rawSQLiteInsertPrefix)
	args := make([]any, 0, len(events)*11)
	for i, e := range events {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString("(?,?,?,?,?,?,?,?,?,?,?)")
		md, err := json.Marshal(e.Metadata)
		if err != nil {
			return err
		}
		args = append(args, e.EventID, id, "Order", int64(i+1), e.EventType, string(e.Payload), string(md),
			e.OccurredAt.Format("2006-01-02T15:04:05.000000000Z"), int64(e.Version), nil, pos+int64(i)+1)
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return err
	}
	return tx.Commit()
}

// BenchmarkLoad1000 loads a 1,000-event aggregate.
func BenchmarkLoad1000(b *testing.B) {
	ctx := context.Background()
	for _, target := range benchTargets(b) {
		tg := target()
		s := newEventStore(b, tg.db)
		for i := 0; i < 10; i++ {
			require.NoError(b, s.Append(ctx, "load", "Order", int64(i*100), benchEnvelopes(100)))
		}
		inTurn(b, tg.name, func() {
			b.Run(tg.name+"/raw", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					var got []es.Envelope
					var err error
					if tg.pool != nil {
						got, err = rawPGQuery(ctx, tg.pool, 1000, rawPGLoad, "load", int64(0))
					} else {
						got, err = rawSQLiteQuery(ctx, tg.db.DB, 1000, rawSQLiteLoad, "load", int64(0))
					}
					require.NoError(b, err)
					require.Len(b, got, 1000)
				}
				reportEvents(b, 1000)
			})
		}, func() {
			b.Run(tg.name+"/store", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					got, err := s.Load(ctx, "load", 0)
					require.NoError(b, err)
					require.Len(b, got, 1000)
				}
				reportEvents(b, 1000)
			})
		})
	}
}

// BenchmarkCatchUp reads a 10,000-event stream from the start in pages of 500.
func BenchmarkCatchUp(b *testing.B) {
	const total, page = 10000, 500
	ctx := context.Background()
	for _, target := range benchTargets(b) {
		tg := target()
		s := newEventStore(b, tg.db)
		for i := 0; i < total/100; i++ {
			require.NoError(b, s.Append(ctx, nextAggregate(), "Order", 0, benchEnvelopes(100)))
		}
		inTurn(b, tg.name, func() {
			b.Run(tg.name+"/raw", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					var cursor int64
					n := 0
					for {
						var got []es.Envelope
						var err error
						if tg.pool != nil {
							got, err = rawPGQuery(ctx, tg.pool, page, rawPGReadAll, cursor, page)
						} else {
							got, err = rawSQLiteQuery(ctx, tg.db.DB, page, rawSQLiteReadAll, cursor, page)
						}
						require.NoError(b, err)
						if len(got) == 0 {
							break
						}
						n += len(got)
						cursor = got[len(got)-1].GlobalPosition
					}
					require.Equal(b, total, n)
				}
				reportEvents(b, total)
			})
		}, func() {
			b.Run(tg.name+"/store", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					var cursor int64
					n := 0
					for {
						got, err := s.ReadAll(ctx, cursor, page)
						require.NoError(b, err)
						if len(got) == 0 {
							break
						}
						n += len(got)
						cursor = got[len(got)-1].GlobalPosition
					}
					require.Equal(b, total, n)
				}
				reportEvents(b, total)
			})
		})
	}
}

func decodeRawMetadata(raw []byte) (map[string]any, error) {
	m := map[string]any{}
	if string(raw) == "{}" {
		return m, nil
	}
	return m, json.Unmarshal(raw, &m)
}

func rawPGQuery(ctx context.Context, pool *pgxpool.Pool, hint int, q string, args ...any) ([]es.Envelope, error) {
	rows, err := pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]es.Envelope, 0, hint)
	for rows.Next() {
		var (
			e        es.Envelope
			payload  []byte
			metadata []byte
			tenant   *string
			version  int32
		)
		if err := rows.Scan(&e.EventID, &e.AggregateID, &e.AggregateType, &e.Sequence, &e.EventType, &payload, &metadata,
			&e.OccurredAt, &version, &tenant, &e.GlobalPosition); err != nil {
			return nil, err
		}
		e.Payload = payload
		e.Version = int(version)
		e.OccurredAt = e.OccurredAt.UTC()
		if tenant != nil {
			e.TenantID = *tenant
		}
		if e.Metadata, err = decodeRawMetadata(metadata); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func rawSQLiteQuery(ctx context.Context, db *sql.DB, hint int, q string, args ...any) ([]es.Envelope, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]es.Envelope, 0, hint)
	for rows.Next() {
		var (
			e        es.Envelope
			payload  []byte
			metadata sql.RawBytes
			tenant   sql.NullString
			version  int64
			occurred string
		)
		if err := rows.Scan(&e.EventID, &e.AggregateID, &e.AggregateType, &e.Sequence, &e.EventType, &payload, &metadata,
			&occurred, &version, &tenant, &e.GlobalPosition); err != nil {
			return nil, err
		}
		e.Payload = payload
		e.Version = int(version)
		e.TenantID = tenant.String
		if e.OccurredAt, err = time.Parse(time.RFC3339Nano, occurred); err != nil {
			return nil, err
		}
		if e.Metadata, err = decodeRawMetadata(metadata); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
