package bunstore

import (
	"context"
	"fmt"

	"github.com/gofly/eventsourcing/internal/check"
	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// Open parses url (see [Parse]) and opens it with [OpenSource]. Errors never contain the URL's
// secrets.
func Open(ctx context.Context, url string) (*bun.DB, error) {
	src, err := Parse(url)
	if err != nil {
		return nil, err
	}
	return OpenSource(ctx, src)
}

// OpenSource builds a pool on src with settings for its dialect ([NewDBFrom]) and connects
// ([Ping]). Its errors show src redacted and say what to fix: a SQLite file's missing
// directory, PostgreSQL's refusal (a wrong password, say) before any other attempt's error.
func OpenSource(ctx context.Context, src Source) (*bun.DB, error) {
	db, err := NewDBFrom(src)
	if err != nil {
		return nil, err
	}
	if err := Ping(ctx, db, src); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("bunstore: open %s: cannot reach the database: %w", src, check.ClippedError{Err: err})
	}
	return db, nil
}

// NewDB parses url (see [Parse]) and builds a *bun.DB on it with [NewDBFrom].
func NewDB(url string) (*bun.DB, error) {
	src, err := Parse(url)
	if err != nil {
		return nil, err
	}
	return NewDBFrom(src)
}

// NewDBFrom builds a *bun.DB on src with the pool settings of its dialect, without connecting:
// database/sql connects on first use, so NewDBFrom does no I/O (an Fx constructor can call it
// and [Ping] on start). PostgreSQL goes through pgx's database/sql driver with the settings
// [Parse] read; SQLite through modernc.org/sqlite on the absolute path. A sqlite::memory:
// Source gives a private in-memory database that lives until the DB is closed. Errors never
// contain the URL's secrets.
func NewDBFrom(src Source) (*bun.DB, error) {
	if src.dialect == "" {
		return nil, storekit.InvalidArgument("bunstore: the Source is empty; build it with Parse")
	}
	return dialectFor(src.dialect, nil).openDB(src)
}
