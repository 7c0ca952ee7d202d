package bunstore

import (
	"context"

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
		if st != nil {
			opErr = s.appendPgxIn(ctx, c, st, b)
			return nil
		}
		tx, err := c.Begin(ctx)
		if err != nil {
			opErr = wrapErr(ctx, "append: begin", eventTable, err)
			return nil
		}
		if err := s.appendPgxIn(ctx, tx, nil, b); err != nil {
			_ = tx.Rollback(ctx)
			opErr = err
			return nil
		}
		if err := tx.Commit(ctx); err != nil {
			opErr = s.mapAppendErr(ctx, b, "append: commit", err)
		}
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
	var base, lastSeq, lastPos int64
	if err := q.QueryRow(ctx, pgHeadSQL, b.aggregateID).Scan(&base, &lastSeq, &lastPos); err != nil {
		return s.mapAppendErr(ctx, b, "append: read version", err)
	}
	if err := checkHead(b, base, lastSeq, lastPos); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, pgInsertSQL, s.pgArgs(b, base+start-1)...); err != nil {
		return s.mapAppendErr(ctx, b, "append: insert", err)
	}
	return nil
}
