package bunstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pgxQuerier is what *pgx.Conn and pgx.Tx have in common.
type pgxQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// appendPgx is appendPostgres on the native pgx connection: inside the ambient transaction when
// st is set, else in a transaction of its own on a pooled connection.
func (s *EventStore) appendPgx(ctx context.Context, st *txState, b *batch) error {
	var opErr error
	err := s.withPgx(ctx, st, func(c *pgx.Conn) error {
		// Outside a transaction the single statement is its own transaction.
		opErr = s.appendPgxIn(ctx, c, st, b)
		return nil
	})
	if err != nil {
		return wrapErr(ctx, "append", eventTable, err)
	}
	return opErr
}

func (s *EventStore) appendPgxIn(ctx context.Context, q pgxQuerier, st *txState, b *batch) error {
	start, err := reserveOrdinals(st, len(b.eventIDs))
	if err != nil {
		return err
	}
	var base, lastSeq, lastPos, inserted int64
	if err := q.QueryRow(ctx, pgAppendSQL, s.pgArgs(b, start-1)...).Scan(&base, &lastSeq, &lastPos, &inserted); err != nil {
		return s.mapAppendErr(ctx, b, "append", err)
	}
	if inserted == int64(len(b.eventIDs)) {
		return nil
	}
	if err := checkHead(b, base, lastSeq, lastPos); err != nil {
		return err
	}
	return fmt.Errorf("bunstore: append: inserted %d of %d events", inserted, len(b.eventIDs))
}
