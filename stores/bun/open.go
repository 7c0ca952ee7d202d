package bunstore

import (
	"context"
	"fmt"
	"net/url"
	"strings"

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
	return dialectFor(d, nil).openDB(url, dsn)
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
