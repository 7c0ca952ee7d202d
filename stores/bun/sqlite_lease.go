package bunstore

import (
	"fmt"
	"strconv"
	"time"
)

// sqliteNow is the machine's clock in the layout of sqliteTimeLayout (to the millisecond: the
// precision of SQLite's clock), so times compare as text; sqliteNowPlus adds a bound modifier.
const sqliteNow = `(strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000000Z')`

// sqliteNowPlus is sqliteNow moved by the strftime modifier bound to parameter n.
func sqliteNowPlus(n int) string {
	return `(strftime('%Y-%m-%dT%H:%M:%f', 'now', ?` + strconv.Itoa(n) + `) || '000000Z')`
}

// The SQLite lease reads the machine's clock, which every process on the database's file shares;
// a released lease has an empty holder and has expired.
func (sqliteDialect) leaseSQL() leaseSQL {
	return leaseSQL{
		acquire: `INSERT INTO pyfly_locks (name, lock_until, locked_at, locked_by, fence)
VALUES (?1, ` + sqliteNowPlus(3) + `, ` + sqliteNow + `, ?2, 1)
ON CONFLICT (name) DO UPDATE SET lock_until = excluded.lock_until, locked_at = excluded.locked_at,
	locked_by = excluded.locked_by, fence = pyfly_locks.fence + 1
WHERE pyfly_locks.lock_until <= excluded.locked_at
RETURNING fence`,
		extend: `UPDATE pyfly_locks SET lock_until = ` + sqliteNowPlus(4) + `
WHERE name = ?1 AND locked_by = ?2 AND fence = ?3`,
		release: `UPDATE pyfly_locks SET lock_until = ` + sqliteNow + `, locked_by = ''
WHERE name = ?1 AND locked_by = ?2 AND fence = ?3`,
		holder: `SELECT l.locked_by, l.lock_until, ` + sqliteLeaseLive + ` FROM pyfly_locks AS l WHERE l.name = ?1`,
	}
}

// ttlArg binds a time to live as a strftime modifier.
func (sqliteDialect) ttlArg(ttl time.Duration) any {
	return fmt.Sprintf("+%d.%06d seconds", int64(ttl/time.Second), int64(ttl%time.Second/time.Microsecond))
}
