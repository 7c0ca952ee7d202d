package autoconfig

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // the pure-Go driver "sqlite"

	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// Pool and connection settings, the same as bunstore.Open's: see its documentation.
const (
	postgresMaxOpenConns = 20
	sqliteMaxOpenConns   = 4
	sqlitePragmas        = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	sqliteMemoryPragmas  = "mode=memory&cache=shared&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"
)

// newDB builds the *bun.DB of t without connecting: database/sql opens connections on first use,
// so the constructor does no I/O and [Databases.Start] pings.
func newDB(t Target) (*bun.DB, error) {
	switch t.Dialect {
	case bunstore.DialectPostgres:
		cfg, err := pgx.ParseConfig(t.dsn)
		if err != nil {
			return nil, fmt.Errorf("autoconfig: %s URL %s (%s): %w", t.Name, t.Redacted(), keyOrDefault(t.URL.Key), scrubbed(err))
		}
		sqldb := stdlib.OpenDB(*cfg)
		sqldb.SetMaxOpenConns(postgresMaxOpenConns)
		sqldb.SetMaxIdleConns(postgresMaxOpenConns)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		return bun.NewDB(sqldb, pgdialect.New()), nil
	case bunstore.DialectSQLite:
		var dsn string
		memory := t.dsn == ":memory:"
		if memory {
			var b [12]byte
			_, _ = rand.Read(b[:])
			dsn = "file:es-" + hex.EncodeToString(b[:]) + "?" + sqliteMemoryPragmas
		} else {
			dsn = "file:" + (&url.URL{Path: t.dsn}).EscapedPath() + "?" + sqlitePragmas
		}
		sqldb, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("autoconfig: %s URL %s: %w", t.Name, t.Redacted(), err)
		}
		if memory {
			// An in-memory database lives as long as a connection to it: keep exactly one.
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
	return nil, fmt.Errorf("autoconfig: %s: unsupported dialect %q", t.Name, t.Dialect)
}

// scrubbed redacts any password quoted in err's message, keeping err for errors.Is and errors.As.
func scrubbed(err error) error {
	return &opaqueError{msg: bunstore.RedactURL(err.Error()), err: err}
}

type opaqueError struct {
	msg string
	err error
}

// Error returns the redacted message.
func (e *opaqueError) Error() string { return e.msg }

// Unwrap returns the original error.
func (e *opaqueError) Unwrap() error { return e.err }

func keyOrDefault(key string) string {
	if key == "" {
		return "the default URL"
	}
	return key
}
