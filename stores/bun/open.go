package bunstore

import (
	"context"
	"fmt"
	"net/url"

	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/redact"
	"github.com/uptrace/bun"
)

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
		return nil, fmt.Errorf("bunstore: open %s: cannot reach the database: %w", urlText(url), check.ClippedError{Err: scrub(err, dsn)})
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
	return dialectFor(d, nil).openDB(url, dsn)
}

// scrub returns err with its message redacted ([RedactURL]) and every occurrence of raw's
// password removed, as written or as decoded. The result still unwraps to err for errors.Is and
// errors.As.
func scrub(err error, raw string) error {
	pw := redact.Password(raw)
	decoded, derr := url.PathUnescape(pw)
	if derr != nil {
		decoded = ""
	}
	return redact.Error(err, pw, decoded)
}
