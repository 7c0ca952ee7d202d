package bunstore

import (
	"context"

	"github.com/uptrace/bun"
)

// migrationLockSQL is empty: a transaction holds the write lock from its BEGIN IMMEDIATE (the
// pools of [Open] begin that way) to its end, and SQLite releases it when the process dies.
func (sqliteDialect) migrationLockSQL() string { return "" }

func (sqliteDialect) columnsSQL() string { return "SELECT name FROM pragma_table_info(?)" }

// verify has nothing to check: SQLite positions are dense and need no server state.
func (sqliteDialect) verify(context.Context, *bun.DB) error { return nil }

// durabilityWarning: SQLite files are opened with the write-ahead log, where a commit survives a
// crash of the process; only a power loss can take back the last commits.
func (sqliteDialect) durabilityWarning(context.Context, *bun.DB) (string, error) { return "", nil }
