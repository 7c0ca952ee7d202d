package bunstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// sqliteMaxRowsPerInsert is the most rows one INSERT writes: 512 rows of 10 values stay far
// below SQLite's limit of 32,766 bound variables.
const sqliteMaxRowsPerInsert = 512

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

const (
	sqliteRowPlaceholders = "(?,?,?,?,?,?,?,?,?,?)"
	sqliteInsertColumns   = 10
)

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

// appendEvents reads the head and inserts in st's transaction, or in one of its own. Its own
// transaction first prepares the statements it will run (the head, and the INSERT of each size
// its batch is cut into), once for the store, so SQLite does not parse them at every append.
func (d sqliteDialect) appendEvents(ctx context.Context, db *bun.DB, st *txState, b *batch) error {
	if st != nil {
		return d.appendTx(ctx, st.tx.Tx, b)
	}
	queries := []string{sqliteHeadSQL}
	for n := len(b.eventIDs); n > 0; {
		rows := sqliteInsertRows(n)
		queries = append(queries, sqliteInsertSQL(rows))
		n -= rows
	}
	if err := d.stmts.prepare(ctx, db.DB, queries...); err != nil {
		return wrapErr(ctx, "append: prepare", eventTable, err)
	}
	tx, err := db.DB.BeginTx(ctx, nil)
	if err != nil {
		return wrapErr(ctx, "append: begin", eventTable, err)
	}
	if err := d.appendTx(ctx, tx, b); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return mapAppendErr(ctx, b, "append: commit", err)
	}
	return nil
}

// sqliteTxInsertRows is the largest INSERT prepareAppends prepares: appends of up to twice as
// many events inside a transaction run prepared statements only.
const sqliteTxInsertRows = 16

// prepareAppends prepares the head and the INSERTs of 1, 2, 4, … sqliteTxInsertRows rows, until
// it succeeds once for the store: after that it costs one atomic load. A failure leaves the
// appends to run unprepared until a later call succeeds.
func (d sqliteDialect) prepareAppends(ctx context.Context, db *bun.DB) error {
	if d.stmts.appendsReady.Load() {
		return nil
	}
	queries := []string{sqliteHeadSQL}
	for rows := 1; rows <= sqliteTxInsertRows; rows *= 2 {
		queries = append(queries, sqliteInsertSQL(rows))
	}
	if err := d.stmts.prepare(ctx, db.DB, queries...); err != nil {
		return err
	}
	d.stmts.appendsReady.Store(true)
	return nil
}

// queryEvents runs q prepared (once per store and connection) and decodes its rows.
func (d sqliteDialect) queryEvents(ctx context.Context, s *EventStore, st *txState, op string, sizeHint int, q string, args ...any) ([]es.Envelope, error) {
	rows, err := d.stmts.query(ctx, s.db.DB, st, q, args...)
	if err != nil {
		return nil, wrapErr(ctx, op, eventTable, err)
	}
	return scanEvents(ctx, s, op, sizeHint, rows)
}

// appendTx checks b's version and inserts its events inside tx.
func (d sqliteDialect) appendTx(ctx context.Context, tx *sql.Tx, b *batch) error {
	var lastSeq int64
	var atNext string
	if err := d.stmts.queryRow(ctx, tx, sqliteHeadSQL, b.aggregateID, b.expected).Scan(&lastSeq, &atNext); err != nil {
		return mapAppendErr(ctx, b, "append: read version", err)
	}
	if err := checkVersion(b, lastSeq, atNext); err != nil {
		return err
	}
	args := make([]any, 0, min(len(b.eventIDs), sqliteMaxRowsPerInsert)*sqliteInsertColumns)
	var first, last int64 // positions (rowids) of the first and the last event, as the inserts report them
	for from := 0; from < len(b.eventIDs); {
		rows := sqliteInsertRows(len(b.eventIDs) - from)
		args = sqliteInsertArgs(args[:0], b, from, from+rows)
		res, err := d.stmts.exec(ctx, tx, sqliteInsertSQL(rows), args...)
		if err != nil {
			return mapAppendErr(ctx, b, "append: insert", err)
		}
		if last, err = res.LastInsertId(); err == nil && from == 0 {
			first = last - int64(rows) + 1
		}
		from += rows
	}
	if first > 0 && last == first+int64(len(b.eventIDs))-1 {
		b.firstPosition = first // one writer at a time: the rowids of one append follow each other
	}
	return nil
}

// sqliteInsertRows is how many of n remaining rows the next INSERT writes: the largest power of
// two up to n and sqliteMaxRowsPerInsert, so a store prepares at most ten INSERT texts.
func sqliteInsertRows(n int) int {
	rows := 1
	for rows*2 <= min(n, sqliteMaxRowsPerInsert) {
		rows *= 2
	}
	return rows
}

// sqliteInsertTexts holds the INSERT of 1, 2, 4, … sqliteMaxRowsPerInsert rows.
var sqliteInsertTexts = func() map[int]string {
	m := map[int]string{}
	for rows := 1; rows <= sqliteMaxRowsPerInsert; rows *= 2 {
		var q strings.Builder
		q.WriteString(sqliteInsertPrefix)
		for i := range rows {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString(sqliteRowPlaceholders)
		}
		m[rows] = q.String()
	}
	return m
}()

// sqliteInsertSQL is the INSERT of rows rows (a power of two).
func sqliteInsertSQL(rows int) string { return sqliteInsertTexts[rows] }

// sqliteInsertArgs appends the values of b's events [from, to) to args.
func sqliteInsertArgs(args []any, b *batch, from, to int) []any {
	for i := from; i < to; i++ {
		var tenant any
		if b.tenants[i] != "" {
			tenant = b.tenants[i]
		}
		args = append(args, b.eventIDs[i], b.aggregateID, b.aggregateType, b.expected+int64(i)+1, b.eventTypes[i],
			b.payloads[i], b.metadata[i], formatStoredTime(b.occurredAt[i]), int64(b.versions[i]), tenant)
	}
	return args
}
