package bunstore

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// sqliteTimeLayout stores times as fixed-width UTC text, so they sort as text and keep nanoseconds.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000000Z"

// sqliteRowsPerInsert keeps one INSERT under SQLite's limit of 32,766 bound variables.
const sqliteRowsPerInsert = 2000

// sqliteHeadSQL reads the aggregate's version and the stream's highest position. Writers hold
// the write lock from BEGIN IMMEDIATE to commit, so max + i is dense and commit-ordered.
const sqliteHeadSQL = `SELECT coalesce((SELECT sequence FROM pyfly_event_store WHERE aggregate_id = ? ORDER BY sequence DESC LIMIT 1), 0),
	coalesce((SELECT max(global_position) FROM pyfly_event_store), 0)`

const sqliteInsertPrefix = `INSERT INTO pyfly_event_store
	(event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, global_position) VALUES `

const sqliteRowPlaceholders = "(?,?,?,?,?,?,?,?,?,?,?)"

func (s *EventStore) appendSQLite(ctx context.Context, tx *sql.Tx, b *batch) error {
	var lastSeq, lastPos int64
	if err := tx.QueryRowContext(ctx, sqliteHeadSQL, b.aggregateID).Scan(&lastSeq, &lastPos); err != nil {
		return s.mapAppendErr(ctx, b, "append: read version", err)
	}
	if err := checkHead(b, 0, lastSeq, 0); err != nil {
		return err
	}
	n := len(b.eventIDs)
	for from := 0; from < n; from += sqliteRowsPerInsert {
		to := min(from+sqliteRowsPerInsert, n)
		query, args := sqliteInsert(b, from, to, lastPos)
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return s.mapAppendErr(ctx, b, "append: insert", err)
		}
	}
	return nil
}

func sqliteInsert(b *batch, from, to int, lastPos int64) (string, []any) {
	var q strings.Builder
	q.Grow(len(sqliteInsertPrefix) + (to-from)*(len(sqliteRowPlaceholders)+1))
	q.WriteString(sqliteInsertPrefix)
	args := make([]any, 0, (to-from)*11)
	for i := from; i < to; i++ {
		if i > from {
			q.WriteByte(',')
		}
		q.WriteString(sqliteRowPlaceholders)
		var tenant any
		if b.tenants[i] != "" {
			tenant = b.tenants[i]
		}
		args = append(args, b.eventIDs[i], b.aggregateID, b.aggregateType, b.expected+int64(i)+1, b.eventTypes[i],
			b.payloads[i], b.metadata[i], b.occurredAt[i].Format(sqliteTimeLayout), int64(b.versions[i]), tenant, lastPos+int64(i)+1)
	}
	return q.String(), args
}

func parseSQLiteTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
