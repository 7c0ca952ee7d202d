package bunstore

import (
	"context"
	"errors"
	"fmt"
)

// sqliteLeaseLive is the condition of a live lease row l, by the machine's clock.
const sqliteLeaseLive = `(l.locked_by <> '' AND l.lock_until > ` + sqliteNow + `)`

func (sqliteDialect) adminSQL() adminSQL {
	return adminSQL{
		aggregates: `SELECT e.aggregate_id, e.aggregate_type, e.sequence, e.occurred_at
FROM (SELECT aggregate_id, max(sequence) AS sequence FROM pyfly_event_store
	WHERE ?1 = '' OR aggregate_type = ?1
	GROUP BY aggregate_id ORDER BY aggregate_id LIMIT ?2) AS h
JOIN pyfly_event_store AS e ON e.aggregate_id = h.aggregate_id AND e.sequence = h.sequence
ORDER BY e.aggregate_id`,
		projections: `WITH names AS (
	SELECT projection FROM pyfly_projection_checkpoints
	UNION SELECT projection FROM pyfly_projection_dead_letters
)
SELECT n.projection, coalesce(c.position, 0), c.updated_at, l.name, coalesce(l.locked_by, ''), l.lock_until,
	coalesce(` + sqliteLeaseLive + `, 0),
	coalesce((julianday('now') - julianday(substr(l.lock_until, 1, 23))) * 86400.0, 0),
	(SELECT count(*) FROM pyfly_projection_dead_letters AS d WHERE d.projection = n.projection),
	` + sqliteNow + `
FROM names AS n
LEFT JOIN pyfly_projection_checkpoints AS c ON c.projection = n.projection
LEFT JOIN pyfly_locks AS l ON l.name = 'pyfly.projection.' || n.projection
ORDER BY n.projection`,
		behind: `SELECT (SELECT count(*) FROM pyfly_event_store WHERE global_position > ?1),
	(SELECT recorded_at FROM pyfly_event_store WHERE global_position > ?1 ORDER BY global_position LIMIT 1)`,
		outboxNames: `WITH RECURSIVE names(outbox) AS (
	SELECT min(outbox) FROM pyfly_outbox
	UNION ALL
	SELECT (SELECT min(o.outbox) FROM pyfly_outbox AS o WHERE o.outbox > names.outbox) FROM names WHERE names.outbox IS NOT NULL
)
SELECT outbox FROM names WHERE outbox IS NOT NULL`,
		outboxStats: `SELECT (SELECT count(*) FROM pyfly_outbox WHERE outbox = ?1 AND ` + sqliteOutboxLive + `),
	(SELECT min(created_at) FROM pyfly_outbox WHERE outbox = ?1 AND ` + sqliteOutboxLive + `),
	(SELECT count(*) FROM pyfly_outbox WHERE outbox = ?1 AND dead = 1)`,
		outboxDeadLetters: `SELECT outbox, event_id, global_position, aggregate_id, aggregate_type, sequence, event_type, attempts,
	coalesce(last_error, ''), last_attempt_at
FROM pyfly_outbox WHERE dead = 1 AND (?1 = '' OR outbox = ?1)
ORDER BY last_attempt_at DESC, seq DESC LIMIT ?2`,
		projectionDeadLetters: `SELECT projection, event_id, global_position, aggregate_id, aggregate_type, sequence, event_type, attempts,
	error, failed_at, retry_requested_at IS NOT NULL
FROM pyfly_projection_dead_letters WHERE ?1 = '' OR projection = ?1
ORDER BY projection, global_position LIMIT ?2`,
		findOutboxDeadLetter:     `SELECT outbox FROM pyfly_outbox WHERE event_id = ?1 AND dead = 1 ORDER BY outbox`,
		findProjectionDeadLetter: `SELECT projection FROM pyfly_projection_dead_letters WHERE event_id = ?1 ORDER BY projection`,
		// BEGIN IMMEDIATE holds the write lock: the rows cannot change under the transaction.
		leaseForReset:      `SELECT l.locked_by, l.lock_until, ` + sqliteLeaseLive + ` FROM pyfly_locks AS l WHERE l.name = ?1`,
		checkpointForReset: `SELECT position FROM pyfly_projection_checkpoints WHERE projection = ?1`,
		migrationsApplied:  `SELECT name FROM ` + migrationTable,
	}
}

// horizon: SQLite has no read horizon; a committed event is readable at once.
func (sqliteDialect) horizon(context.Context, querier) (horizonRow, error) {
	return horizonRow{}, fmt.Errorf("bunstore: SQLite has no read horizon: readers see every committed event at once: %w", errors.ErrUnsupported)
}
