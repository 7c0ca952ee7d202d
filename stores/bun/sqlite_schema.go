package bunstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"
)

// migrationLockSQL is empty: a transaction holds the write lock from its BEGIN IMMEDIATE (the
// pools of [Open] begin that way) to its end, and SQLite releases it when the process dies.
func (sqliteDialect) migrationLockSQL() string { return "" }

func (sqliteDialect) describeSQL() string {
	return `SELECT name, upper(type), "notnull" = 0, pk = 1 AND upper(type) = 'INTEGER'
	AND (SELECT count(*) FROM pragma_table_info(?1) WHERE pk > 0) = 1 FROM pragma_table_info(?1)`
}

// verify refuses an event table from before migration 0005, where global_position is not the
// rowid: the store leaves positions to SQLite, which gives them only to an INTEGER PRIMARY KEY.
// SQLite positions are otherwise dense and need no server state.
func (sqliteDialect) verify(ctx context.Context, db *bun.DB) error {
	var typ string
	var pk int
	err := db.DB.QueryRowContext(ctx, `SELECT upper(type), pk FROM pragma_table_info('`+eventTable+`') WHERE name = 'global_position'`).Scan(&typ, &pk)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return wrapErr(ctx, "check schema", eventTable, err)
	}
	if typ != "INTEGER" || pk != 1 {
		return &SchemaError{Table: eventTable, Column: "global_position", Fix: FixMigrate,
			Problem: "is in the layout of earlier releases (global_position is not its INTEGER PRIMARY KEY; migration 0005 rebuilds it, keeping every event)"}
	}
	return nil
}

// durabilityWarning: SQLite files are opened with the write-ahead log, where a commit survives a
// crash of the process; only a power loss can take back the last commits.
func (sqliteDialect) durabilityWarning(context.Context, *bun.DB) (string, error) { return "", nil }
