package bunstore

import (
	"context"
	"fmt"
	"strings"

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

func (postgresDialect) describeSQL() string {
	return `SELECT column_name, upper(data_type), is_nullable = 'YES', false FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = $1`
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

// durabilityWarning reads the settings that let a crash lose commits PostgreSQL acknowledged.
// Such a crash hands the lost transactions' ids out again, and global positions derive from them.
func (postgresDialect) durabilityWarning(ctx context.Context, db *bun.DB) (string, error) {
	var syncCommit, fsync string
	if err := db.DB.QueryRowContext(ctx, `SELECT current_setting('synchronous_commit'), current_setting('fsync')`).Scan(&syncCommit, &fsync); err != nil {
		return "", wrapErr(ctx, "check durability settings", eventTable, err)
	}
	var off []string
	if syncCommit == "off" {
		off = append(off, "synchronous_commit is off")
	}
	if fsync == "off" {
		off = append(off, "fsync is off")
	}
	if len(off) == 0 {
		return "", nil
	}
	return strings.Join(off, " and ") + " for this database: a crash can lose transactions it acknowledged and hand their " +
		"transaction ids out again, and global positions derive from them, so a reader's cursor could end up above the stream " +
		"(ReadAll then fails) or a new event could land below a position a reader has seen. Keep synchronous_commit on (and " +
		"fsync on) for the event store, and fail over only to synchronous standbys.", nil
}
