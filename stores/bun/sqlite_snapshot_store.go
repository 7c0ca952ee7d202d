package bunstore

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun"
)

func (sqliteDialect) snapshotSQL() snapshotSQL {
	return snapshotSQL{
		save: `INSERT INTO pyfly_snapshots (aggregate_id, aggregate_type, sequence, payload, created_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (aggregate_id) DO UPDATE SET aggregate_type = EXCLUDED.aggregate_type, sequence = EXCLUDED.sequence,
	payload = EXCLUDED.payload, created_at = EXCLUDED.created_at
WHERE pyfly_snapshots.sequence < EXCLUDED.sequence`,
		load:   `SELECT aggregate_type, sequence, payload, created_at FROM pyfly_snapshots WHERE aggregate_id = ?`,
		delete: `DELETE FROM pyfly_snapshots WHERE aggregate_id = ?`,
	}
}

// loadRow runs q prepared (once per store and connection).
func (d sqliteDialect) loadRow(ctx context.Context, db *bun.DB, st *txState, q string, arg any, dest ...any) error {
	rows, err := d.stmts.query(ctx, db.DB, st, q, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}
