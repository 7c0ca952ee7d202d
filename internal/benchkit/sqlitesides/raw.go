package sqlitesides

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/internal/eventid"
)

// The SQLite baselines, through database/sql on the store's own pool (the same file, WAL, BEGIN
// IMMEDIATE): a transaction per append that reads the version and inserts with one multi-row
// statement.
//
// limit: the lean table that stores our columns: the position as the rowid (INTEGER PRIMARY
// KEY, given by SQLite: dense and commit-ordered under the single writer), time-ordered event
// ids unique, (aggregate_id, sequence) unique; reads check the cursor, as ours must.
//
// minimal: rowid position, aggregate id, sequence, payload, UNIQUE (aggregate_id, sequence).
const (
	schema = `
CREATE TABLE bench_limit_events (
	global_position INTEGER      PRIMARY KEY,
	event_id        VARCHAR(64)  NOT NULL UNIQUE,
	aggregate_id    VARCHAR(64)  NOT NULL,
	aggregate_type  VARCHAR(255) NOT NULL,
	sequence        BIGINT       NOT NULL,
	event_type      VARCHAR(255) NOT NULL,
	payload         TEXT         NOT NULL,
	metadata        TEXT         NOT NULL,
	occurred_at     TEXT         NOT NULL,
	version         INTEGER      NOT NULL,
	tenant_id       VARCHAR(64)  NULL,
	recorded_at     TEXT         NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
	UNIQUE (aggregate_id, sequence)
);
CREATE TABLE bench_limit_snapshots (
	aggregate_id VARCHAR(64) NOT NULL PRIMARY KEY,
	sequence     BIGINT      NOT NULL,
	payload      TEXT        NOT NULL
);
CREATE TABLE bench_minimal (
	position     INTEGER     PRIMARY KEY,
	aggregate_id VARCHAR(64) NOT NULL,
	sequence     BIGINT      NOT NULL,
	payload      TEXT        NOT NULL,
	UNIQUE (aggregate_id, sequence)
)`

	sqliteLimitHead   = `SELECT coalesce((SELECT sequence FROM bench_limit_events WHERE aggregate_id = ? ORDER BY sequence DESC LIMIT 1), 0)`
	sqliteLimitInsert = `INSERT INTO bench_limit_events
	(event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id) VALUES `
	sqliteLimitColumns  = `event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, global_position`
	sqliteLimitLoad     = `SELECT ` + sqliteLimitColumns + ` FROM bench_limit_events WHERE aggregate_id = ? AND sequence > ? ORDER BY sequence`
	sqliteLimitReadPage = `SELECT ` + sqliteLimitColumns + ` FROM bench_limit_events
WHERE global_position > ?1 AND (?1 = 0 OR EXISTS (SELECT 1 FROM bench_limit_events WHERE global_position = ?1))
ORDER BY global_position LIMIT ?2`
	sqliteLimitSaveSnapshot = `INSERT INTO bench_limit_snapshots (aggregate_id, sequence, payload) VALUES (?, ?, ?)
ON CONFLICT (aggregate_id) DO UPDATE SET sequence = EXCLUDED.sequence, payload = EXCLUDED.payload WHERE bench_limit_snapshots.sequence < EXCLUDED.sequence`
	sqliteLimitLoadSnapshot = `SELECT sequence, payload FROM bench_limit_snapshots WHERE aggregate_id = ?`

	sqliteMinimalHead     = `SELECT coalesce((SELECT sequence FROM bench_minimal WHERE aggregate_id = ? ORDER BY sequence DESC LIMIT 1), 0)`
	sqliteMinimalInsert   = `INSERT INTO bench_minimal (aggregate_id, sequence, payload) VALUES `
	sqliteMinimalLoad     = `SELECT payload FROM bench_minimal WHERE aggregate_id = ? ORDER BY sequence`
	sqliteMinimalReadPage = `SELECT position, payload FROM bench_minimal WHERE position > ? ORDER BY position LIMIT ?`
)

// sqliteRaw is a SQLite baseline: lean (limit) or minimal.
type sqliteRaw struct {
	benchkit.SQLReads
	db *sql.DB
}

// newSQLiteRaw returns the baseline on db: lean (limit) or minimal.
func newSQLiteRaw(db *sql.DB, lean bool) *sqliteRaw {
	return &sqliteRaw{db: db, SQLReads: benchkit.SQLReads{
		Lean: lean,
		SQL: benchkit.SQLTexts{MinimalLoad: sqliteMinimalLoad, MinimalReadPage: sqliteMinimalReadPage, LimitLoad: sqliteLimitLoad,
			LimitReadPage: sqliteLimitReadPage, LimitSave: sqliteLimitSaveSnapshot, LimitSnapshot: sqliteLimitLoadSnapshot},
		Query: func(ctx context.Context, q string, args ...any) (benchkit.RowScanner, func(), error) {
			rows, err := db.QueryContext(ctx, q, args...)
			if err != nil {
				return nil, nil, err
			}
			return rows, func() { _ = rows.Close() }, nil
		},
		QueryRow: func(ctx context.Context, q string, dest []any, args ...any) error {
			return db.QueryRowContext(ctx, q, args...).Scan(dest...)
		},
		Exec: func(ctx context.Context, q string, args ...any) error {
			_, err := db.ExecContext(ctx, q, args...)
			return err
		},
		FoldLean: foldLeanSQLiteRows,
	}}
}

func (r *sqliteRaw) Append(ctx context.Context, id string, expected int64, events []benchkit.OrderPlaced) error {
	cols, head, prefix := 10, sqliteLimitHead, sqliteLimitInsert
	if !r.Lean {
		cols, head, prefix = 3, sqliteMinimalHead, sqliteMinimalInsert
	}
	row := "(" + strings.Repeat("?,", cols-1) + "?)"
	var q strings.Builder
	q.Grow(len(prefix) + len(events)*(len(row)+1))
	q.WriteString(prefix)
	args := make([]any, 0, len(events)*cols)
	for i := range events {
		p, err := json.Marshal(events[i])
		if err != nil {
			return err
		}
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(row)
		seq := expected + int64(i) + 1
		if !r.Lean {
			args = append(args, id, seq, string(p))
			continue
		}
		md, err := benchkit.MetadataJSON()
		if err != nil {
			return err
		}
		now := time.Now()
		args = append(args, eventid.At(now), id, benchkit.AggregateType, seq, "OrderPlaced", string(p), md,
			now.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000000Z"), int64(1), nil)
	}
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var seq int64
	if err := tx.QueryRowContext(ctx, head, id).Scan(&seq); err != nil {
		return err
	}
	if seq != expected {
		return benchkit.ErrConflict
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return err
	}
	return tx.Commit()
}

// foldLeanSQLiteRows scans rows of sqliteLimitColumns, decodes the time and the metadata and
// folds the payloads; it returns the last position and the count.
func foldLeanSQLiteRows(rows benchkit.RowScanner, st *benchkit.State) (int64, int, error) {
	var last int64
	n := 0
	for rows.Next() {
		var (
			eventID, aggregateID, aggregateType, eventType, occurred string
			sequence, position, version                              int64
			payload, metadata                                        []byte
			tenant                                                   sql.NullString
		)
		if err := rows.Scan(&eventID, &aggregateID, &aggregateType, &sequence, &eventType, &payload, &metadata,
			&occurred, &version, &tenant, &position); err != nil {
			return 0, 0, err
		}
		if _, err := time.Parse(time.RFC3339Nano, occurred); err != nil {
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
