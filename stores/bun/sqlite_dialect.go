package bunstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"modernc.org/sqlite"

	"github.com/gofly/eventsourcing/internal/check"
)

// sqliteDialect is SQLite: one writer at a time, dense positions, times as fixed-width text.
type sqliteDialect struct {
	stmts *stmtCache // the statements of the append, prepared once per store
}

func (sqliteDialect) name() Dialect { return DialectSQLite }

// Pool settings. A SQLite file has one writer at a time (writers wait on busy_timeout), so a few
// connections serve concurrent readers beside it; an in-memory SQLite database lives only as
// long as a connection to it, so it has exactly one, never closed.
const sqliteMaxOpenConns = 4

// sqliteBusyTimeout is the busy_timeout of sqlitePragmas.
const sqliteBusyTimeout = 10 * time.Second

// sqlitePragmas are the connection settings of a SQLite file: wait for the writer instead of
// failing with SQLITE_BUSY, write-ahead logging, durable-enough commits, and transactions that
// take the write lock when they begin (BEGIN IMMEDIATE), so writers never deadlock on upgrade.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"

// sqliteTimeLayout stores times as fixed-width UTC text, so they sort as text and keep nanoseconds.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000000Z"

// openDB opens a pool on the file at src's absolute path through modernc.org/sqlite, or a
// private in-memory database for ":memory:".
func (sqliteDialect) openDB(src Source) (*bun.DB, error) {
	var dsn string
	memory := src.Memory()
	if memory {
		var b [12]byte
		_, _ = rand.Read(b[:])
		dsn = "file:es-" + hex.EncodeToString(b[:]) + "?mode=memory&cache=shared&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"
	} else {
		dsn = "file:" + (&url.URL{Path: src.dsn}).EscapedPath() + "?" + sqlitePragmas
	}
	conn, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("bunstore: open %s: %w", src, check.ClippedError{Err: src.scrub(err)})
	}
	var connector driver.Connector = sqliteConnector{conn}
	if !memory {
		connector = gatedConnector{Connector: connector, gate: newWriteGate()}
	}
	sqldb := sql.OpenDB(connector)
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

// sqliteConnector retries a connection that SQLite refused as busy while setting it up, for as
// long as busy_timeout. A new file turns to WAL on its first write; a connection that opens
// meanwhile (another pool, another process) runs PRAGMA journal_mode=WAL against that write,
// and SQLite answers SQLITE_BUSY at once rather than calling its busy handler.
type sqliteConnector struct{ driver.Connector }

// Connect implements driver.Connector.
func (c sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		conn, err := c.Connector.Connect(ctx)
		if err == nil || classify(err).kind != kindBusy || time.Now().After(deadline) {
			return conn, err
		}
		wait := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			wait.Stop()
			return nil, ctx.Err()
		case <-wait.C:
		}
	}
}
