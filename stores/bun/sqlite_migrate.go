package bunstore

import (
	"context"

	"github.com/uptrace/bun"
)

// migrationLockSQL is empty: Migrate's transaction holds the write lock from BEGIN IMMEDIATE.
func (sqliteDialect) migrationLockSQL() string { return "" }

func (sqliteDialect) migrationTableSQL() string {
	return "CREATE TABLE IF NOT EXISTS " + migrationTable + " (version BIGINT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
}

func (sqliteDialect) recordMigrationSQL() string {
	return "INSERT INTO " + migrationTable + " (version, name) VALUES (?, ?)"
}

func (sqliteDialect) columnsSQL() string { return "SELECT name FROM pragma_table_info(?)" }

// verify has nothing to check: SQLite positions are dense and need no server state.
func (sqliteDialect) verify(context.Context, *bun.DB) error { return nil }
