package bunstore

import "time"

// The PostgreSQL lease reads the server's clock (clock_timestamp(), not the transaction's now());
// a released lease has an empty holder and has expired.
func (postgresDialect) leaseSQL() leaseSQL {
	return leaseSQL{
		acquire: `INSERT INTO pyfly_locks AS l (name, lock_until, locked_at, locked_by, fence)
VALUES ($1, clock_timestamp() + $3::bigint * interval '1 microsecond', clock_timestamp(), $2, 1)
ON CONFLICT (name) DO UPDATE SET lock_until = EXCLUDED.lock_until, locked_at = EXCLUDED.locked_at,
	locked_by = EXCLUDED.locked_by, fence = l.fence + 1
WHERE l.lock_until <= clock_timestamp()
RETURNING fence`,
		extend: `UPDATE pyfly_locks SET lock_until = clock_timestamp() + $4::bigint * interval '1 microsecond'
WHERE name = $1 AND locked_by = $2 AND fence = $3::bigint`,
		release: `UPDATE pyfly_locks SET lock_until = clock_timestamp(), locked_by = ''
WHERE name = $1 AND locked_by = $2 AND fence = $3::bigint`,
		holder: `SELECT l.locked_by, l.lock_until, ` + pgLeaseLive + ` FROM pyfly_locks AS l WHERE l.name = $1`,
		live:   `SELECT l.fence FROM pyfly_locks AS l WHERE l.name = $1 AND ` + pgLeaseLive,
		fence:  `SELECT fence FROM pyfly_locks WHERE name = $1`,
		steal: `UPDATE pyfly_locks SET lock_until = clock_timestamp() + $4::bigint * interval '1 microsecond',
	locked_at = clock_timestamp(), locked_by = $2, fence = fence + 1
WHERE name = $1 AND fence = $3::bigint
RETURNING fence`,
	}
}

// ttlArg binds a time to live in microseconds.
func (postgresDialect) ttlArg(ttl time.Duration) any { return ttl.Microseconds() }
