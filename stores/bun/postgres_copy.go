package bunstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// pgCopyMinEvents is the batch size from which an append on pgx goes through COPY. PostgreSQL
// writes COPY's rows a page at a time (heap_multi_insert), where INSERT … SELECT writes them one
// by one, but COPY costs three more round trips (the head first, then COPY's own two, and COMMIT
// apart). Measured against pgAppendSQL on a 2-core machine with fsync on: 0.69 at 30 events,
// 0.84 at 100, 0.99 at 300, 1.02 at 1,000 when the machine was otherwise idle; 1.12 at 100 when
// it was busy (CPU-bound, where COPY's cheaper rows count more than round trips). Smaller
// batches keep the single statement.
const pgCopyMinEvents = 256

// pgHeadSQL is the head part of pgAppendSQL on its own: only when the version check will pass,
// the transaction's base position (which assigns its transaction id; 0 otherwise); the
// aggregate's last sequence and position and, only when the version check will fail, the id of
// the event at the expected version + 1. Arguments: $1 aggregate id, $2 expected version.
const pgHeadSQL = `SELECT CASE WHEN coalesce(h.sequence, 0) = $2 THEN pg_current_xact_id()::text::bigint * ` + positionSpanSQL + ` ELSE 0 END,
	coalesce(h.sequence, 0), coalesce(h.global_position, 0),
	CASE WHEN coalesce(h.sequence, 0) > $2 THEN
		coalesce((SELECT n.event_id FROM pyfly_event_store AS n WHERE n.aggregate_id = $1 AND n.sequence = $2 + 1), '')
	ELSE '' END
FROM (SELECT 1) AS one LEFT JOIN LATERAL (
	SELECT sequence, global_position FROM pyfly_event_store WHERE aggregate_id = $1 ORDER BY sequence DESC LIMIT 1
) AS h ON true`

// pgCopyColumns are the columns COPY fills, in the order of copyRows.Values.
var pgCopyColumns = []string{"event_id", "aggregate_id", "aggregate_type", "sequence", "event_type", "payload", "metadata",
	"occurred_at", "version", "tenant_id", "global_position"}

// appendCopy appends b with COPY on the native pgx connection: in st's transaction when st is
// set, else in one of its own, whose BEGIN goes with the head query in one round trip. It checks
// what pgAppendSQL checks (the version, then the sequence order) from the head before it writes;
// an append racing it to the same sequence meets it on UNIQUE (aggregate_id, sequence), as with
// INSERT.
func (d postgresDialect) appendCopy(ctx context.Context, db *bun.DB, st *txState, b *batch) error {
	start, err := reserveOrdinals(st, len(b.eventIDs))
	if err != nil {
		return err
	}
	var opErr error
	err = withPgx(ctx, db, st, func(c *pgx.Conn) error {
		opErr = d.copyOn(ctx, c, st, b, start)
		return nil
	})
	if err != nil {
		return wrapErr(ctx, "append", eventTable, err)
	}
	return opErr
}

func (d postgresDialect) copyOn(ctx context.Context, c *pgx.Conn, st *txState, b *batch, start int64) error {
	var base, lastSeq, lastPos int64
	var atNext string
	if st != nil {
		if err := c.QueryRow(ctx, pgHeadSQL, b.aggregateID, b.expected).Scan(&base, &lastSeq, &lastPos, &atNext); err != nil {
			return mapAppendErr(ctx, b, "append: read version", err)
		}
		return d.copyRows(ctx, c, b, start, base, lastSeq, lastPos, atNext)
	}
	defer endTx(ctx, c)
	var batch pgx.Batch
	batch.Queue("BEGIN")
	batch.Queue(pgHeadSQL, b.aggregateID, b.expected).QueryRow(func(row pgx.Row) error {
		return row.Scan(&base, &lastSeq, &lastPos, &atNext)
	})
	if err := c.SendBatch(ctx, &batch).Close(); err != nil {
		return mapAppendErr(ctx, b, "append: read version", err)
	}
	if err := d.copyRows(ctx, c, b, start, base, lastSeq, lastPos, atNext); err != nil {
		return err
	}
	if _, err := c.Exec(ctx, "COMMIT"); err != nil {
		if d.outcomeUnknown(err) {
			return unknownOutcome(ctx, "append", b.aggregateID, err)
		}
		return mapAppendErr(ctx, b, "append: commit", err)
	}
	return nil
}

// endTx leaves c outside any transaction: it rolls back what a failed append left open (a
// COMMIT that was never sent included), and closes the connection when that fails, so that the
// pool never keeps a session idle in a transaction, which would hold every reader's horizon back
// until the connection is used again. The server rolls back a closed session's transaction.
func endTx(ctx context.Context, c *pgx.Conn) {
	if c.IsClosed() || c.PgConn().TxStatus() == 'I' {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := c.Exec(rctx, "ROLLBACK"); err != nil || c.PgConn().TxStatus() != 'I' {
		_ = c.Close(rctx)
	}
}

// copyRows checks the head's answer and copies b's events at positions base + start + i.
func (postgresDialect) copyRows(ctx context.Context, c *pgx.Conn, b *batch, start, base, lastSeq, lastPos int64, atNext string) error {
	if err := checkVersion(b, lastSeq, atNext); err != nil {
		return err
	}
	if err := checkOrder(b, base, lastSeq, lastPos); err != nil {
		return err
	}
	src := &copyRows{b: b, first: base + start, i: -1, row: make([]any, len(pgCopyColumns))}
	n, err := c.CopyFrom(ctx, pgx.Identifier{eventTable}, pgCopyColumns, src)
	if err != nil {
		return mapAppendErr(ctx, b, "append: copy", err)
	}
	if n != int64(len(b.eventIDs)) {
		return fmt.Errorf("bunstore: append: copied %d of %d events", n, len(b.eventIDs))
	}
	b.firstPosition = src.first
	return nil
}

// copyRows is pgx.CopyFromSource over a batch: event i at position first + i.
type copyRows struct {
	b     *batch
	first int64
	i     int
	row   []any // reused: CopyFrom encodes each row before it asks for the next
}

func (r *copyRows) Next() bool {
	r.i++
	return r.i < len(r.b.eventIDs)
}

func (r *copyRows) Values() ([]any, error) {
	b, i := r.b, r.i
	var tenant any
	if b.tenants[i] != "" {
		tenant = b.tenants[i]
	}
	r.row[0], r.row[1], r.row[2], r.row[3] = b.eventIDs[i], b.aggregateID, b.aggregateType, b.expected+int64(i)+1
	r.row[4], r.row[5], r.row[6], r.row[7] = b.eventTypes[i], b.payloads[i], b.metadata[i], b.occurredAt[i]
	r.row[8], r.row[9], r.row[10] = b.versions[i], tenant, r.first+int64(i)
	return r.row, nil
}

func (r *copyRows) Err() error { return nil }
