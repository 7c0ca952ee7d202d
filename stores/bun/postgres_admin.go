package bunstore

// pgLeaseLive is the condition of a live lease row l, by the server's clock.
const pgLeaseLive = `(l.locked_by <> '' AND l.lock_until > clock_timestamp())`

func (postgresDialect) adminSQL() adminSQL {
	return adminSQL{
		aggregates: `SELECT e.aggregate_id, e.aggregate_type, e.sequence, e.occurred_at
FROM (SELECT aggregate_id, max(sequence) AS sequence FROM pyfly_event_store
	WHERE $1 = '' OR aggregate_type = $1
	GROUP BY aggregate_id ORDER BY aggregate_id LIMIT $2::bigint) AS h
JOIN pyfly_event_store AS e ON e.aggregate_id = h.aggregate_id AND e.sequence = h.sequence
ORDER BY e.aggregate_id`,
		projections: `WITH names AS (
	SELECT projection FROM pyfly_projection_checkpoints
	UNION SELECT DISTINCT projection FROM pyfly_projection_dead_letters
)
SELECT n.projection, coalesce(c.position, 0), c.updated_at, l.name, coalesce(l.locked_by, ''), l.lock_until,
	coalesce(` + pgLeaseLive + `, false),
	coalesce(extract(epoch FROM clock_timestamp() - l.lock_until), 0)::float8,
	(SELECT count(*) FROM pyfly_projection_dead_letters AS d WHERE d.projection = n.projection),
	clock_timestamp()
FROM names AS n
LEFT JOIN pyfly_projection_checkpoints AS c ON c.projection = n.projection
LEFT JOIN pyfly_locks AS l ON l.name = 'pyfly.projection.' || n.projection
ORDER BY n.projection`,
		behind: `SELECT (SELECT count(*) FROM pyfly_event_store WHERE global_position > $1::bigint),
	(SELECT recorded_at FROM pyfly_event_store WHERE global_position > $1::bigint ORDER BY global_position LIMIT 1)`,
		outboxNames: `WITH RECURSIVE names(outbox) AS (
	SELECT min(outbox) FROM pyfly_outbox
	UNION ALL
	SELECT (SELECT min(o.outbox) FROM pyfly_outbox AS o WHERE o.outbox > names.outbox) FROM names WHERE names.outbox IS NOT NULL
)
SELECT outbox FROM names WHERE outbox IS NOT NULL`,
		outboxStats: `SELECT (SELECT count(*) FROM pyfly_outbox WHERE outbox = $1 AND ` + pgOutboxLive + `),
	(SELECT min(created_at) FROM pyfly_outbox WHERE outbox = $1 AND ` + pgOutboxLive + `),
	(SELECT count(*) FROM pyfly_outbox WHERE outbox = $1 AND dead)`,
		outboxDeadLetters: `SELECT outbox, event_id, global_position, aggregate_id, aggregate_type, sequence, event_type, attempts,
	coalesce(last_error, ''), last_attempt_at
FROM pyfly_outbox WHERE dead AND ($1 = '' OR outbox = $1)
ORDER BY last_attempt_at DESC, seq DESC LIMIT $2::bigint`,
		projectionDeadLetters: `SELECT projection, event_id, global_position, aggregate_id, aggregate_type, sequence, event_type, attempts,
	error, failed_at, retry_requested_at IS NOT NULL
FROM pyfly_projection_dead_letters WHERE $1 = '' OR projection = $1
ORDER BY projection, global_position LIMIT $2::bigint`,
		findOutboxDeadLetter:     `SELECT outbox FROM pyfly_outbox WHERE event_id = $1 AND dead ORDER BY outbox`,
		findProjectionDeadLetter: `SELECT projection FROM pyfly_projection_dead_letters WHERE event_id = $1 ORDER BY projection`,
		leaseForReset:            `SELECT l.locked_by, l.lock_until, ` + pgLeaseLive + ` FROM pyfly_locks AS l WHERE l.name = $1 FOR UPDATE`,
		checkpointForReset:       `SELECT position FROM pyfly_projection_checkpoints WHERE projection = $1 FOR UPDATE`,
		migrationsApplied:        `SELECT name FROM ` + migrationTable,
	}
}
