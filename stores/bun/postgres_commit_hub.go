package bunstore

import (
	"context"
	"database/sql/driver"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
)

// notifies: LISTEN/NOTIFY needs pgx's native connection to wait for notifications.
func (d postgresDialect) notifies() bool { return d.pgx }

// notify sends NOTIFY channel (empty payload) outside any transaction.
func (postgresDialect) notify(ctx context.Context, db *bun.DB, channel string) error {
	_, err := db.DB.ExecContext(ctx, "SELECT pg_notify($1, '')", channel)
	return err
}

// listen holds one pooled connection in LISTEN channel and calls wake for each notification.
// The connection is discarded afterwards rather than returned to the pool in LISTEN state.
func (postgresDialect) listen(ctx context.Context, db *bun.DB, channel string, wake func()) error {
	conn, err := db.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errNotPgx
		}
		c := sc.Conn()
		if _, err := c.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
			return err
		}
		wake() // commits made before LISTEN took effect
		for {
			if _, err := c.WaitForNotification(ctx); err != nil {
				return err
			}
			wake()
		}
	})
	_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // drop the listening connection
	return err
}
