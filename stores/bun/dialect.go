package bunstore

import (
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// Dialect names the SQL database behind a *bun.DB.
type Dialect string

// The dialects the stores support.
const (
	// DialectPostgres is PostgreSQL (13 or newer) through pgdialect.
	DialectPostgres Dialect = "postgres"
	// DialectSQLite is SQLite through sqlitedialect over modernc.org/sqlite.
	DialectSQLite Dialect = "sqlite"
)

// DialectOf reports which supported dialect db uses, or an error matching es.ErrInvalidArgument
// when db is nil or uses another one.
func DialectOf(db *bun.DB) (Dialect, error) {
	if db == nil {
		return "", storekit.InvalidArgument("bunstore: db: must not be nil")
	}
	switch name := db.Dialect().Name(); name {
	case dialect.PG:
		return DialectPostgres, nil
	case dialect.SQLite:
		return DialectSQLite, nil
	default:
		return "", storekit.InvalidArgument("bunstore: db: dialect %s is not supported; use pgdialect (PostgreSQL) or sqlitedialect (SQLite)", fmt.Sprint(name))
	}
}
