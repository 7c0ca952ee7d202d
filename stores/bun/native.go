package bunstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// errNotPgx reports a connection that is not pgx's stdlib driver.
var errNotPgx = errors.New("bunstore: not a pgx connection")

// withPgx runs f on the native pgx connection under database/sql: the ambient transaction's
// connection when st is set (f then runs inside that transaction), else a pooled one. Going
// around database/sql's per-row value conversion is what keeps loads and appends near raw pgx.
// The connection returns to the pool after f; database/sql discards it if f left it broken or
// inside a transaction.
func (s *EventStore) withPgx(ctx context.Context, st *txState, f func(*pgx.Conn) error) error {
	conn := (*sql.Conn)(nil)
	if st != nil {
		conn = st.conn
	}
	if conn == nil {
		c, err := s.db.DB.Conn(ctx)
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
		return f(sc.Conn())
	})
}

// nativeOK reports whether the pgx path applies: the pool runs pgx's stdlib driver and the
// ambient transaction, if any, has its connection at hand.
func (s *EventStore) nativeOK(st *txState) bool {
	return s.pgxArrays && (st == nil || st.conn != nil)
}
