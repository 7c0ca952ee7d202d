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
