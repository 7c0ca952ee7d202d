package bunstore

func (sqliteDialect) checkpointSQL() checkpointSQL {
	return checkpointSQL{
		load: `INSERT INTO pyfly_projection_checkpoints (projection, position, fence, updated_at) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (projection) DO UPDATE SET fence = max(pyfly_projection_checkpoints.fence, excluded.fence)
RETURNING position`,
		position: `SELECT position FROM pyfly_projection_checkpoints WHERE projection = ?1`,
		move: `UPDATE pyfly_projection_checkpoints SET position = ?3, fence = max(fence, ?4), updated_at = ?5
WHERE projection = ?1 AND position = ?2 AND (?4 = 0 OR fence <= ?4)`,
		reset: `INSERT INTO pyfly_projection_checkpoints (projection, position, fence, updated_at) VALUES (?1, ?2, 0, ?3)
ON CONFLICT (projection) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
	}
}
