package bunstore

func (sqliteDialect) deadLetterSQL() deadLetterSQL {
	return deadLetterSQL{
		park: `INSERT INTO pyfly_projection_dead_letters (projection, event_id, global_position, aggregate_id, aggregate_type,
	sequence, event_type, payload, metadata, occurred_at, version, tenant_id, attempts, error, failed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (projection, event_id) DO UPDATE SET global_position = excluded.global_position,
	aggregate_id = excluded.aggregate_id, aggregate_type = excluded.aggregate_type, sequence = excluded.sequence,
	event_type = excluded.event_type, payload = excluded.payload, metadata = excluded.metadata,
	occurred_at = excluded.occurred_at, version = excluded.version, tenant_id = excluded.tenant_id,
	attempts = excluded.attempts, error = excluded.error, failed_at = excluded.failed_at, retry_requested_at = NULL`,
		list: `SELECT ` + deadLetterColumns + ` FROM pyfly_projection_dead_letters
WHERE projection = ? AND global_position > ? ORDER BY global_position LIMIT ?`,
		count:  `SELECT count(*) FROM pyfly_projection_dead_letters WHERE projection = ?`,
		delete: `DELETE FROM pyfly_projection_dead_letters WHERE projection = ? AND event_id = ?`,
	}
}
