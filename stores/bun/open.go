package bunstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the pure-Go driver "sqlite"
)

// Pool settings. PostgreSQL keeps as many idle connections as it may open, so bursts reuse
// connections and their prepared statements. A SQLite file has one writer at a time (writers
// wait on busy_timeout), so a few connections serve concurrent readers beside it; an in-memory
// SQLite database lives only as long as a connection to it, so it has exactly one, never closed.
const (
	postgresMaxOpenConns = 20
	sqliteMaxOpenConns   = 4
	sqliteBusyTimeoutMS  = 10000
)

// sqlitePragmas are the connection settings of a SQLite file: wait for the writer instead of
// failing with SQLITE_BUSY, write-ahead logging, durable-enough commits, and transactions that
// take the write lock when they begin (BEGIN IMMEDIATE), so writers never deadlock on upgrade.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"

// Open parses url (see [ParseURL]), builds a pool with settings for its dialect ([NewDB]) and
// pings the database. Errors never contain the URL's password.
func Open(ctx context.Context, url string) (*bun.DB, error) {
	db, err := NewDB(url)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		_, dsn, _ := ParseURL(url)
		return nil, fmt.Errorf("bunstore: open %s: cannot reach the database: %w", RedactURL(url), scrub(err, dsn))
	}
	return db, nil
}

// NewDB parses url (see [ParseURL]) and builds a *bun.DB with the pool settings of its dialect,
// without connecting: database/sql connects on first use, so NewDB does no I/O (an Fx constructor
// can call it and ping on start). PostgreSQL goes through pgx's database/sql driver; SQLite through
// modernc.org/sqlite. sqlite::memory: is a private in-memory database that lives until the DB is
// closed. Errors never contain the URL's password.
func NewDB(url string) (*bun.DB, error) {
	d, dsn, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	if d == DialectPostgres {
		return newPostgres(url, dsn)
	}
	return newSQLite(url, dsn)
}

func newPostgres(raw, dsn string) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("bunstore: open %s: %w", RedactURL(raw), scrub(err, dsn))
	}
	sqldb := stdlib.OpenDB(*cfg)
	sqldb.SetMaxOpenConns(postgresMaxOpenConns)
	sqldb.SetMaxIdleConns(postgresMaxOpenConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

func newSQLite(raw, path string) (*bun.DB, error) {
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

// scrub returns err with every occurrence of the dsn's password removed from its message. The
// result still unwraps to err for errors.Is and errors.As.
func scrub(err error, dsn string) error {
	u, perr := url.Parse(dsn)
	if perr != nil || u.User == nil {
		return err
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return &scrubbedError{msg: strings.ReplaceAll(err.Error(), pw, "xxxxx"), err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
