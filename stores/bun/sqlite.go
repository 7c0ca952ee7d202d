package bunstore

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the pure-Go driver "sqlite"
)

// sqliteDialect is SQLite: one writer at a time, dense positions, times as fixed-width text.
type sqliteDialect struct{}

func (sqliteDialect) name() Dialect { return DialectSQLite }

// Pool settings. A SQLite file has one writer at a time (writers wait on busy_timeout), so a few
// connections serve concurrent readers beside it; an in-memory SQLite database lives only as
// long as a connection to it, so it has exactly one, never closed.
const sqliteMaxOpenConns = 4

// sqlitePragmas are the connection settings of a SQLite file: wait for the writer instead of
// failing with SQLITE_BUSY, write-ahead logging, durable-enough commits, and transactions that
// take the write lock when they begin (BEGIN IMMEDIATE), so writers never deadlock on upgrade.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"

// sqliteTimeLayout stores times as fixed-width UTC text, so they sort as text and keep nanoseconds.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000000Z"

// openDB opens a pool on the file at path through modernc.org/sqlite, or a private in-memory
// database for ":memory:".
func (sqliteDialect) openDB(raw, path string) (*bun.DB, error) {
	var dsn string
	memory := path == memoryDSN
	if memory {
		var b [12]byte
		_, _ = rand.Read(b[:])
		dsn = "file:es-" + hex.EncodeToString(b[:]) + "?mode=memory&cache=shared&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"
	} else {
		dsn = "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + sqlitePragmas
	}
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("bunstore: open %s: %w", RedactURL(raw), err)
	}
	if memory {
		sqldb.SetMaxOpenConns(1)
		sqldb.SetMaxIdleConns(1)
		sqldb.SetConnMaxIdleTime(0)
		sqldb.SetConnMaxLifetime(0)
	} else {
		sqldb.SetMaxOpenConns(sqliteMaxOpenConns)
		sqldb.SetMaxIdleConns(sqliteMaxOpenConns)
	}
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}

// timeArg binds times as [sqliteTimeLayout] text.
func (sqliteDialect) timeArg(t time.Time) any { return t.UTC().Format(sqliteTimeLayout) }
