package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// errNotPgx reports a connection that is not pgx's stdlib driver.
var errNotPgx = errors.New("bunstore: not a pgx connection")

// withPgx runs f on the native pgx connection under database/sql: the ambient transaction's
// connection when st is set (f then runs inside that transaction), else a pooled one. Going
// around database/sql's per-row value conversion is what keeps loads and appends near raw pgx.
// The connection returns to the pool after f; database/sql discards it if f left it broken or
// inside a transaction.
//
// A transaction the caller ended through [TxFrom] leaves its connection outside any
// transaction, where f's statements would commit on their own: withPgx then refuses with
// sql.ErrTxDone, as database/sql does for a statement on an ended *sql.Tx.
func withPgx(ctx context.Context, db *bun.DB, st *txState, f func(*pgx.Conn) error) error {
	conn := (*sql.Conn)(nil)
	if st != nil {
		conn = st.conn
	}
	if conn == nil {
		c, err := db.DB.Conn(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		conn = c
	}
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errNotPgx
		}
		if st != nil && sc.Conn().PgConn().TxStatus() == 'I' {
			return sql.ErrTxDone
		}
		return f(sc.Conn())
	})
}

// appendPgx runs pgAppendSQL on the native pgx connection: inside the ambient transaction when
// st is set, else as a transaction of its own on a pooled connection.
func (d postgresDialect) appendPgx(ctx context.Context, db *bun.DB, st *txState, b *batch) error {
	start, err := reserveOrdinals(st, len(b.eventIDs))
	if err != nil {
		return err
	}
	var opErr error
	err = withPgx(ctx, db, st, func(c *pgx.Conn) error {
		q, args := d.appendStatement(b, start-1)
		opErr = d.appendOutcome(ctx, st, b, start, c.QueryRow(ctx, q, args...).Scan)
		return nil
	})
	if err != nil {
		return wrapErr(ctx, "append", eventTable, err)
	}
	return opErr
}

// queryPgx is queryEventsSQL on the native pgx connection (rows in pyfly's format included). A
// row that does not decode ends the page: the events before it come back with its
// *es.DecodeError.
func queryPgx(ctx context.Context, s *EventStore, st *txState, op string, sizeHint int, q string, args ...any) ([]es.Envelope, error) {
	var out []es.Envelope
	var opErr error
	err := withPgx(ctx, s.db, st, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			opErr = wrapErr(ctx, op, eventTable, err)
			return nil
		}
		defer rows.Close()
		out = make([]es.Envelope, 0, sizeHint)
		raw := rawEventRows(rows.FieldDescriptions())
		var (
			metadata []byte
			tenant   *string
			version  int32
			strs     rowStrings
		)
		for rows.Next() {
			var e es.Envelope
			if raw {
				if metadata, err = decodeEventRow(rows.RawValues(), &e, &strs); err != nil {
					if e.GlobalPosition == 0 { // not even its place could be read
						opErr = fmt.Errorf("bunstore: %s: %w: %w", op, es.ErrDecode, err)
					} else {
						opErr = undecodable(op, e, err)
					}
					return nil
				}
			} else {
				var payload []byte
				tenant = nil
				if err := rows.Scan(&e.EventID, &e.AggregateID, &e.AggregateType, &e.Sequence, &e.EventType,
					&payload, &metadata, &e.OccurredAt, &version, &tenant, &e.GlobalPosition); err != nil {
					opErr = wrapErr(ctx, op, eventTable, err)
					return nil
				}
				e.Payload = payload
				e.Version = int(version)
				e.OccurredAt = e.OccurredAt.UTC()
				if tenant != nil {
					e.TenantID = *tenant
				}
			}
			md, pyfly, perr := fromPyfly(&e)
			if perr != nil {
				opErr = undecodable(op, e, perr)
				return nil
			}
			if pyfly {
				metadata = md
			}
			if e, err = s.finish(op, e, metadata); err != nil {
				opErr = err // the events before it come back with it
				return nil
			}
			out = append(out, e)
		}
		if err := rows.Err(); err != nil {
			opErr = wrapErr(ctx, op, eventTable, err)
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr(ctx, op, eventTable, err)
	}
	var undecoded *es.DecodeError
	if opErr != nil && !errors.As(opErr, &undecoded) {
		return nil, opErr
	}
	return out, opErr
}
