package bunstore

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
