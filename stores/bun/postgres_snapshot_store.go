package bunstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

func (postgresDialect) snapshotSQL() snapshotSQL {
	return snapshotSQL{
		save: `INSERT INTO pyfly_snapshots (aggregate_id, aggregate_type, sequence, payload, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (aggregate_id) DO UPDATE SET aggregate_type = EXCLUDED.aggregate_type, sequence = EXCLUDED.sequence,
	payload = EXCLUDED.payload, created_at = EXCLUDED.created_at
WHERE pyfly_snapshots.sequence < EXCLUDED.sequence`,
		load:   `SELECT aggregate_type, sequence, payload, created_at FROM pyfly_snapshots WHERE aggregate_id = $1`,
		delete: `DELETE FROM pyfly_snapshots WHERE aggregate_id = $1`,
	}
}

// loadRow reads on pgx's native connection when it can, else through database/sql.
func (d postgresDialect) loadRow(ctx context.Context, db *bun.DB, st *txState, q string, arg any, dest ...any) error {
	if !d.native(st) {
		return querierOf(st, db).QueryRowContext(ctx, q, arg).Scan(dest...)
	}
	var scanErr error
	err := withPgx(ctx, db, st, func(c *pgx.Conn) error {
		scanErr = c.QueryRow(ctx, q, arg).Scan(dest...)
		return nil
	})
	if err != nil {
		return err
	}
	if errors.Is(scanErr, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return scanErr
}
