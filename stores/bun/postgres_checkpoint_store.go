package bunstore

func (postgresDialect) checkpointSQL() checkpointSQL {
	return checkpointSQL{
		load: `INSERT INTO pyfly_projection_checkpoints AS c (projection, position, fence, updated_at) VALUES ($1, $2::bigint, $3::bigint, $4)
ON CONFLICT (projection) DO UPDATE SET fence = GREATEST(c.fence, EXCLUDED.fence)
RETURNING position`,
		position: `SELECT position FROM pyfly_projection_checkpoints WHERE projection = $1`,
		move: `UPDATE pyfly_projection_checkpoints SET position = $3::bigint, fence = GREATEST(fence, $4::bigint), updated_at = $5
WHERE projection = $1 AND position = $2::bigint AND ($4::bigint = 0 OR fence <= $4::bigint)`,
		reset: `INSERT INTO pyfly_projection_checkpoints AS c (projection, position, fence, updated_at) VALUES ($1, $2::bigint, 0, $3)
ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`,
	}
}
