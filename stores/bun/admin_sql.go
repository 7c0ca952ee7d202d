package bunstore

import "context"

// adminDialect is what [Admin] needs from a dialect (postgres_admin.go, sqlite_admin.go).
type adminDialect interface {
	adminSQL() adminSQL
	// horizon reads the read horizon and the transaction holding it (PostgreSQL); dialects
	// without one return an error matching errors.ErrUnsupported.
	horizon(ctx context.Context, q querier) (horizonRow, error)
}

// adminSQL holds the statements of [Admin].
type adminSQL struct {
	// aggregates: (type, "" for any; limit), returning aggregate_id, aggregate_type, the last
	// sequence and its occurred_at, by aggregate id.
	aggregates string
	// projections: returning, per projection with a checkpoint or a dead letter, by name: the
	// name, position, updated_at (NULL without a checkpoint), the lease's row (name, locked_by,
	// lock_until: NULL without one), whether it is live, how many seconds ago it expired, the
	// dead letters, and the database's clock.
	projections string
	// behind: (position), the events stored after it and the first one's recorded_at.
	behind string
	// outboxNames: every outbox with a record, by name.
	outboxNames string
	// outboxStats: (outbox), its pending records, the oldest one's created_at and its dead
	// letters.
	outboxStats string
	// outboxDeadLetters: (outbox, "" for any; limit), the most recently failed first.
	outboxDeadLetters string
	// projectionDeadLetters: (projection, "" for any; limit), by projection and position.
	projectionDeadLetters string
	// findOutboxDeadLetter and findProjectionDeadLetter: (event_id), the names holding it.
	findOutboxDeadLetter, findProjectionDeadLetter string
	// leaseForReset: (lease name), locked_by, lock_until and whether it is live, locking the
	// row until the transaction ends where the dialect can.
	leaseForReset string
	// checkpointForReset: (projection), its position, locking the row where the dialect can.
	checkpointForReset string
	// migrationsApplied: the names pyfly_es_migrations records.
	migrationsApplied string
}
