package bunstore

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// migrationLockKey is the PostgreSQL advisory lock that serialises concurrent Migrate calls
// ("pyfly_es" in ASCII). Earlier releases took the same lock, so they and this one wait for
// each other.
const migrationLockKey = 0x7079666c795f6573

// migrationLockSQL takes a transaction-level advisory lock: released at commit, at rollback, and
// when the session dies.
func (postgresDialect) migrationLockSQL() string {
	return fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(migrationLockKey))
}

func (postgresDialect) columnsSQL() string {
	return "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1"
}

// verify is the dump/restore guard: every stored position must come from a transaction id below
// the current snapshot's xmax.
func (postgresDialect) verify(ctx context.Context, db *bun.DB) error {
	var highest, limit int64
	err := db.DB.QueryRowContext(ctx, `SELECT (`+pgHeadPositionSQL+`), pg_snapshot_xmax(pg_current_snapshot())::text::bigint * `+positionSpanSQL).
		Scan(&highest, &limit)
	if err != nil {
		return wrapErr(ctx, "check global positions", eventTable, err)
	}
	if highest >= limit {
		return fmt.Errorf("%w: bunstore: pyfly_event_store holds global position %d, at or above what this server's transaction ids give (%d): "+
			"the data was restored from another server, so new events would sort before old ones and readers would skip them; "+
			"advance the server's transaction ids past %d (or renumber global_position below %d) before starting",
			ErrPositionsAhead, highest, limit, highest/positionSpan+1, limit)
	}
	return nil
}
