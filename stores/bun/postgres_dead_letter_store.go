package bunstore

func (postgresDialect) deadLetterSQL() deadLetterSQL {
	return deadLetterSQL{
		park: `INSERT INTO pyfly_projection_dead_letters (projection, event_id, global_position, aggregate_id, aggregate_type,
	sequence, event_type, payload, metadata, occurred_at, version, tenant_id, attempts, error, failed_at)
VALUES ($1, $2, $3::bigint, $4, $5, $6::bigint, $7, $8, $9, $10, $11::integer, $12, $13::integer, $14, $15)
ON CONFLICT (projection, event_id) DO UPDATE SET global_position = EXCLUDED.global_position,
	aggregate_id = EXCLUDED.aggregate_id, aggregate_type = EXCLUDED.aggregate_type, sequence = EXCLUDED.sequence,
	event_type = EXCLUDED.event_type, payload = EXCLUDED.payload, metadata = EXCLUDED.metadata,
	occurred_at = EXCLUDED.occurred_at, version = EXCLUDED.version, tenant_id = EXCLUDED.tenant_id,
	attempts = EXCLUDED.attempts, error = EXCLUDED.error, failed_at = EXCLUDED.failed_at, retry_requested_at = NULL`,
		list: `SELECT ` + deadLetterColumns + ` FROM pyfly_projection_dead_letters
WHERE projection = $1 AND global_position > $2::bigint ORDER BY global_position LIMIT $3::bigint`,
		count:  `SELECT count(*) FROM pyfly_projection_dead_letters WHERE projection = $1`,
		delete: `DELETE FROM pyfly_projection_dead_letters WHERE projection = $1 AND event_id = $2`,
	}
}
