package bunstore

import (
	"fmt"
	"time"

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

// sqlDialect is everything that differs between PostgreSQL and SQLite: the SQL text of every
// table and the behaviour around it. The stores pick one when they are built ([dialectFor]) and
// call it; the generic code (stores, reads, transactions, migrations) never asks which database
// it runs on.
//
// The layout, per store (files are named after the type they hold, as in stores/memory):
//   - a generic file with the store's logic and an interface naming what it needs from a
//     dialect (event_store.go and eventsDialect, snapshot_store.go and snapshotsDialect,
//     schema.go and schemaDialect), usually a method returning a struct of SQL statements;
//   - one file per dialect implementing that interface, the generic file's name behind the
//     dialect's (postgres_event_store.go and sqlite_event_store.go, postgres_snapshot_store.go
//     and sqlite_snapshot_store.go, ...).
//
// A new store adds its generic file with its interface, embeds that interface below (one
// line), and adds postgres_<file>.go and sqlite_<file>.go; the compiler then refuses a dialect
// that lacks its methods. Its DDL goes into the next numbered migration of migrations/postgres
// and migrations/sqlite.
type sqlDialect interface {
	// name is the exported name of the dialect.
	name() Dialect
	// openDB builds a pool with the dialect's settings on src, without I/O.
	openDB(src Source) (*bun.DB, error)
	// explain turns the error of a first connection into what to fix, or returns nil when it
	// has nothing to add (see [Ping]).
	explain(src Source, err error) error
	// timeArg is how a UTC time is bound as a statement argument. Scans go through [dbTime],
	// which reads every dialect's form.
	timeArg(t time.Time) any

	eventsDialect
	snapshotsDialect
	outboxDialect
	schemaDialect
	adoptDialect
	notifyDialect
	outcomeDialect
	checkpointsDialect
	leasesDialect
	membershipsDialect
	partitionsDialect
	deadLettersDialect
	adminDialect
	deadLetterRetriesDialect
}

var (
	_ sqlDialect = postgresDialect{}
	_ sqlDialect = sqliteDialect{}
)

// dialectFor returns the implementation of d. db is the pool it will serve (nil while the pool
// is being opened): PostgreSQL takes its driver-native paths when the pool runs pgx.
func dialectFor(d Dialect, db *bun.DB) sqlDialect {
	if d == DialectPostgres {
		return newPostgresDialect(db)
	}
	return sqliteDialect{stmts: &stmtCache{}}
}

// dialectOf returns the implementation of db's dialect, or DialectOf's error.
func dialectOf(db *bun.DB) (sqlDialect, error) {
	d, err := DialectOf(db)
	if err != nil {
		return nil, err
	}
	return dialectFor(d, db), nil
}
