package pgsides

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/internal/eventid"
)

// The PostgreSQL baselines, on pgx's own pool, one statement per append (its own transaction).
//
// limit: the lean table that stores our columns: the position (from the transaction id, as ours)
// as the integer primary key, time-ordered event ids unique, (aggregate_id, sequence) unique; the
// append checks the version and the sequence order and inserts from arrays (unnest), in the
// store's statement shape (no transaction id and no error for a refused append); reads stop at
// the read horizon and check the cursor, as ours must.
//
// minimal: bigserial position, aggregate id, sequence, payload, UNIQUE (aggregate_id, sequence);
// the append checks the version and inserts from an array.
const (
	schema = `
CREATE TABLE bench_limit_events (
	global_position BIGINT       NOT NULL PRIMARY KEY,
	event_id        VARCHAR(64)  NOT NULL UNIQUE,
	aggregate_id    VARCHAR(64)  NOT NULL,
	aggregate_type  VARCHAR(255) NOT NULL,
	sequence        BIGINT       NOT NULL,
	event_type      VARCHAR(255) NOT NULL,
	payload         TEXT         NOT NULL,
	metadata        TEXT         NOT NULL,
	occurred_at     TIMESTAMPTZ  NOT NULL,
	version         INTEGER      NOT NULL,
	tenant_id       VARCHAR(64)  NULL,
	recorded_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
	UNIQUE (aggregate_id, sequence)
);
CREATE TABLE bench_limit_snapshots (
	aggregate_id VARCHAR(64) NOT NULL PRIMARY KEY,
	sequence     BIGINT      NOT NULL,
	payload      TEXT        NOT NULL
);
CREATE TABLE bench_minimal (
	position     BIGSERIAL   PRIMARY KEY,
	aggregate_id VARCHAR(64) NOT NULL,
	sequence     BIGINT      NOT NULL,
	payload      TEXT        NOT NULL,
	UNIQUE (aggregate_id, sequence)
)`

	pgLimitAppend = `WITH head AS MATERIALIZED (
	SELECT coalesce(h.sequence, 0) AS seq, coalesce(h.global_position, 0) AS pos,
		CASE WHEN coalesce(h.sequence, 0) > $3 THEN
			(SELECT n.event_id FROM bench_limit_events AS n WHERE n.aggregate_id = $1 AND n.sequence = $3 + 1)
		END AS at_next
	FROM (SELECT 1) AS one LEFT JOIN LATERAL (
		SELECT sequence, global_position FROM bench_limit_events WHERE aggregate_id = $1 ORDER BY sequence DESC LIMIT 1
	) AS h ON true
), base AS MATERIALIZED (
	SELECT CASE WHEN head.seq = $3 THEN pg_current_xact_id()::text::bigint * 1048576 END AS base FROM head
), events AS MATERIALIZED (
	SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::int[], $10::text[])
		WITH ORDINALITY AS e(event_id, event_type, payload, metadata, occurred_at, version, tenant_id, ord)
), first AS (
	INSERT INTO bench_limit_events
		(global_position, event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id)
	SELECT base.base + e.ord, e.event_id, $1, $2, $3 + e.ord, e.event_type, e.payload, e.metadata, e.occurred_at, e.version, nullif(e.tenant_id, '')
	FROM head, base, events AS e
	WHERE e.ord = 1 AND head.seq = $3 AND (head.seq = 0 OR head.pos < base.base + 1048576)
	ON CONFLICT (aggregate_id, sequence) DO NOTHING
	RETURNING 1
), rest AS (
	INSERT INTO bench_limit_events
		(global_position, event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id)
	SELECT base.base + e.ord, e.event_id, $1, $2, $3 + e.ord, e.event_type, e.payload, e.metadata, e.occurred_at, e.version, nullif(e.tenant_id, '')
	FROM base, events AS e
	WHERE e.ord > 1 AND EXISTS (SELECT 1 FROM first)
	RETURNING 1
)
SELECT head.seq, (SELECT count(*) FROM first) + (SELECT count(*) FROM rest), coalesce(head.at_next, '') FROM head`
	pgLimitAtNext   = `SELECT event_id FROM bench_limit_events WHERE aggregate_id = $1 AND sequence = $2 + 1`
	pgLimitColumns  = `event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, global_position`
	pgLimitLoad     = `SELECT ` + pgLimitColumns + ` FROM bench_limit_events WHERE aggregate_id = $1 AND sequence > $2 ORDER BY sequence`
	pgLimitReadPage = `SELECT ` + pgLimitColumns + ` FROM bench_limit_events
WHERE global_position > $1 AND global_position < pg_snapshot_xmin(pg_current_snapshot())::text::bigint * 1048576
	AND ($1 = 0 OR EXISTS (SELECT 1 FROM bench_limit_events WHERE global_position = $1))
ORDER BY global_position LIMIT $2`
	pgLimitSaveSnapshot = `INSERT INTO bench_limit_snapshots (aggregate_id, sequence, payload) VALUES ($1, $2, $3)
ON CONFLICT (aggregate_id) DO UPDATE SET sequence = EXCLUDED.sequence, payload = EXCLUDED.payload WHERE bench_limit_snapshots.sequence < EXCLUDED.sequence`
	pgLimitLoadSnapshot = `SELECT sequence, payload FROM bench_limit_snapshots WHERE aggregate_id = $1`

	pgMinimalAppend = `WITH head AS MATERIALIZED (
	SELECT coalesce((SELECT sequence FROM bench_minimal WHERE aggregate_id = $1 ORDER BY sequence DESC LIMIT 1), 0) AS seq
), ins AS (
	INSERT INTO bench_minimal (aggregate_id, sequence, payload)
	SELECT $1, $2 + e.ord, e.payload FROM head, unnest($3::text[]) WITH ORDINALITY AS e(payload, ord)
	WHERE head.seq = $2
	RETURNING 1
)
SELECT (SELECT count(*) FROM ins)`
	pgMinimalLoad     = `SELECT payload FROM bench_minimal WHERE aggregate_id = $1 ORDER BY sequence`
	pgMinimalReadPage = `SELECT position, payload FROM bench_minimal WHERE position > $1 ORDER BY position LIMIT $2`
)

// pgRaw is a PostgreSQL baseline: lean (limit) or minimal.
type pgRaw struct {
	benchkit.SQLReads
	pool *pgxpool.Pool
}

// newPGRaw returns the baseline on pool: lean (limit) or minimal.
func newPGRaw(pool *pgxpool.Pool, lean bool) *pgRaw {
	return &pgRaw{pool: pool, SQLReads: benchkit.SQLReads{
		Lean: lean,
		SQL: benchkit.SQLTexts{MinimalLoad: pgMinimalLoad, MinimalReadPage: pgMinimalReadPage, LimitLoad: pgLimitLoad,
			LimitReadPage: pgLimitReadPage, LimitSave: pgLimitSaveSnapshot, LimitSnapshot: pgLimitLoadSnapshot},
		Query: func(ctx context.Context, q string, args ...any) (benchkit.RowScanner, func(), error) {
			rows, err := pool.Query(ctx, q, args...)
			if err != nil {
				return nil, nil, err
			}
			return rows, rows.Close, nil
		},
		QueryRow: func(ctx context.Context, q string, dest []any, args ...any) error {
			return pool.QueryRow(ctx, q, args...).Scan(dest...)
		},
		Exec: func(ctx context.Context, q string, args ...any) error {
			_, err := pool.Exec(ctx, q, args...)
			return err
		},
		FoldLean: foldLeanRows,
	}}
}

// pgConflict maps a unique violation on (aggregate_id, sequence) to a conflict.
func pgConflict(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return benchkit.ErrConflict
	}
	return err
}

func (r *pgRaw) Append(ctx context.Context, id string, expected int64, events []benchkit.OrderPlaced) error {
	n := len(events)
	payloads := make([]string, n)
	for i := range events {
		p, err := json.Marshal(events[i])
		if err != nil {
			return err
		}
		payloads[i] = string(p)
	}
	var inserted int64
	var err error
	if !r.Lean {
		err = r.pool.QueryRow(ctx, pgMinimalAppend, id, expected, payloads).Scan(&inserted)
	} else {
		ids, types, metadata, tenants := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		occurred, versions := make([]time.Time, n), make([]int32, n)
		for i := range events {
			md, err := benchkit.MetadataJSON()
			if err != nil {
				return err
			}
			now := time.Now()
			ids[i], types[i], metadata[i] = eventid.At(now), "OrderPlaced", md
			occurred[i], versions[i] = now.UTC().Truncate(time.Microsecond), 1
		}
		var seq int64
		var atNext string
		err = r.pool.QueryRow(ctx, pgLimitAppend, id, benchkit.AggregateType, expected,
			ids, types, payloads, metadata, occurred, versions, tenants).Scan(&seq, &inserted, &atNext)
		// What the store does for idempotent retries: a refused append whose first id is the
		// one stored at expected + 1 is a retry (the store then compares every event).
		if err == nil && inserted == 0 && seq == expected {
			err = r.pool.QueryRow(ctx, pgLimitAtNext, id, expected).Scan(&atNext) // lost the race to a concurrent append
		}
		if err == nil && inserted == 0 && atNext == ids[0] {
			return nil
		}
	}
	if err != nil {
		return pgConflict(err)
	}
	if inserted != int64(n) {
		return benchkit.ErrConflict
	}
	return nil
}

// foldLeanRows scans rows of pgLimitColumns into envelopes' fields, decodes the metadata and
// folds the payloads; it returns the last position and the count.
func foldLeanRows(rows benchkit.RowScanner, st *benchkit.State) (int64, int, error) {
	var last int64
	n := 0
	for rows.Next() {
		var (
			eventID, aggregateID, aggregateType, eventType string
			sequence, position                             int64
			payload, metadata                              []byte
			occurred                                       time.Time
			version                                        int32
			tenant                                         *string
		)
		if err := rows.Scan(&eventID, &aggregateID, &aggregateType, &sequence, &eventType, &payload, &metadata,
			&occurred, &version, &tenant, &position); err != nil {
			return 0, 0, err
		}
		if _, err := benchkit.DecodeMetadata(metadata); err != nil {
			return 0, 0, err
		}
		if err := st.Fold(payload); err != nil {
			return 0, 0, err
		}
		last = position
		n++
	}
	return last, n, rows.Err()
}
