package bunstore

func (sqliteDialect) deadLetterRetrySQL() deadLetterRetrySQL {
	return deadLetterRetrySQL{
		request: `UPDATE pyfly_projection_dead_letters SET retry_requested_at = ?3 WHERE projection = ?1 AND event_id = ?2`,
		requests: `SELECT ` + deadLetterColumns + ` FROM pyfly_projection_dead_letters
WHERE projection = ?1 AND retry_requested_at IS NOT NULL ORDER BY global_position LIMIT ?2`,
	}
}
