package bunstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// sqliteRowsPerInsert keeps one INSERT under SQLite's limit of 32,766 bound variables.
const sqliteRowsPerInsert = 3000

// sqliteHeadSQL reads the aggregate's version and, only when it is past the expected version,
// the id of the event stored at the expected version + 1 (empty when none: a retry of an append that
// committed finds its own first event there). Arguments: ?1 aggregate id, ?2 expected version.
const sqliteHeadSQL = `SELECT h.seq, CASE WHEN h.seq > ?2 THEN
		coalesce((SELECT event_id FROM pyfly_event_store WHERE aggregate_id = ?1 AND sequence = ?2 + 1), '')
	ELSE '' END
FROM (SELECT coalesce((SELECT sequence FROM pyfly_event_store WHERE aggregate_id = ?1 ORDER BY sequence DESC LIMIT 1), 0) AS seq) AS h`

// sqliteInsertPrefix leaves global_position out: it is the rowid, and SQLite gives each new row
// the highest one + 1. Writers hold the write lock from BEGIN IMMEDIATE to commit, so positions
// are dense and commit-ordered.
const sqliteInsertPrefix = `INSERT INTO pyfly_event_store
	(event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id) VALUES `

const sqliteRowPlaceholders = "(?,?,?,?,?,?,?,?,?,?)"

// sqliteLastPositionSQL serves as last and head position: every committed event is visible.
const sqliteLastPositionSQL = `SELECT coalesce(max(global_position), 0) FROM pyfly_event_store`

func (sqliteDialect) eventSQL() eventSQL {
	return eventSQL{
		load:     `SELECT ` + eventColumns + ` FROM pyfly_event_store WHERE aggregate_id = ? AND sequence > ? ORDER BY sequence`,
		loadSome: `SELECT ` + eventColumns + ` FROM pyfly_event_store WHERE aggregate_id = ? AND sequence > ? ORDER BY sequence LIMIT ?`,
		latest:   `SELECT sequence FROM pyfly_event_store WHERE aggregate_id = ? ORDER BY sequence DESC LIMIT 1`,
		// The cursor must be 0 or a position on the stream; when it is not, the page comes back
		// empty and ReadAll tells the two cases apart.
		readAll: `SELECT ` + eventColumns + ` FROM pyfly_event_store
WHERE global_position > ?1
	AND (?1 = 0 OR EXISTS (SELECT 1 FROM pyfly_event_store WHERE global_position = ?1))
ORDER BY global_position LIMIT ?2`,
		positionExists: `SELECT EXISTS (SELECT 1 FROM pyfly_event_store WHERE global_position = ?)`,
		lastPosition:   sqliteLastPositionSQL,
		headPosition:   sqliteLastPositionSQL,
	}
}

// singleWriter is true: a SQLite database has one writer at a time.
func (sqliteDialect) singleWriter() bool { return true }

// appendEvents reads the head and inserts in st's transaction, or in one of its own.
func (sqliteDialect) appendEvents(ctx context.Context, db *bun.DB, st *txState, b *batch) error {
	return appendSQL(ctx, db, st, b, sqliteAppendTx)
}

func (sqliteDialect) queryEvents(ctx context.Context, s *EventStore, st *txState, op string, sizeHint int, q string, args ...any) ([]es.Envelope, error) {
	return queryEventsSQL(ctx, s, st, op, sizeHint, q, args...)
}

func sqliteAppendTx(ctx context.Context, tx *sql.Tx, _ *txState, b *batch) error {
	var lastSeq int64
	var atNext string
	if err := tx.QueryRowContext(ctx, sqliteHeadSQL, b.aggregateID, b.expected).Scan(&lastSeq, &atNext); err != nil {
		return mapAppendErr(ctx, b, "append: read version", err)
	}
	if err := checkVersion(b, lastSeq, atNext); err != nil {
		return err
	}
	n := len(b.eventIDs)
	for from := 0; from < n; from += sqliteRowsPerInsert {
		to := min(from+sqliteRowsPerInsert, n)
		query, args := sqliteInsert(b, from, to)
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return mapAppendErr(ctx, b, "append: insert", err)
		}
	}
	return nil
}

func sqliteInsert(b *batch, from, to int) (string, []any) {
	var q strings.Builder
	q.Grow(len(sqliteInsertPrefix) + (to-from)*(len(sqliteRowPlaceholders)+1))
	q.WriteString(sqliteInsertPrefix)
	args := make([]any, 0, (to-from)*10)
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
			b.payloads[i], b.metadata[i], b.occurredAt[i].Format(sqliteTimeLayout), int64(b.versions[i]), tenant)
	}
	return q.String(), args
}
