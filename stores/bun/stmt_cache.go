package bunstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// stmtCache keeps statements prepared on a pool, so that the database parses each SQL text once
// per connection instead of at every call (SQLite spends a third of a one-event append parsing
// otherwise). database/sql prepares a *sql.Stmt on each connection the first time it runs
// there, and Tx.StmtContext reuses that.
//
// Preparing takes a connection from the pool: callers prepare only while they hold none (before
// they begin their transaction), since an in-memory SQLite database has a single connection.
type stmtCache struct {
	prepMu sync.Mutex // held while a statement is prepared
	mu     sync.Mutex // guards m
	m      map[string]*sql.Stmt
	// appendsReady is set once the statements of an append inside a transaction are prepared
	// (sqliteDialect.prepareAppends), which then prepares nothing more.
	appendsReady atomic.Bool
}

// maxCachedStatements bounds a cache; statements beyond it run unprepared.
const maxCachedStatements = 128

// prepare makes sure each query is prepared on db. A nil cache prepares nothing. Callers prepare
// one at a time (prepMu), so that no statement is prepared twice: closing a spare one would wait
// for every connection it was prepared on, one of which may be beginning a transaction behind a
// writer that waits for this cache.
func (c *stmtCache) prepare(ctx context.Context, db *sql.DB, queries ...string) error {
	if c == nil {
		return nil
	}
	for _, q := range queries {
		if c.has(q) {
			continue
		}
		c.prepMu.Lock()
		err := c.prepareOne(ctx, db, q)
		c.prepMu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// has reports whether q is cached, or the cache is full (q then runs unprepared).
func (c *stmtCache) has(q string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[q]
	return ok || len(c.m) >= maxCachedStatements
}

// prepareOne prepares q on db and caches it, unless another caller did meanwhile. It runs under
// prepMu.
func (c *stmtCache) prepareOne(ctx context.Context, db *sql.DB, q string) error {
	if c.has(q) {
		return nil
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	return nil
}

// in returns query's prepared statement bound to tx, or nil when it has not been prepared.
func (c *stmtCache) in(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	st := c.m[query]
	c.mu.Unlock()
	if st == nil {
		return nil
	}
	return tx.StmtContext(ctx, st)
}

// exec runs query in tx, prepared when it is in the cache.
func (c *stmtCache) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := c.in(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// queryRow runs query in tx, prepared when it is in the cache.
func (c *stmtCache) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := c.in(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// query runs query prepared: in st's transaction when st is set (prepared when the cache has it),
// else on db's pool, preparing it there first.
func (c *stmtCache) query(ctx context.Context, db *sql.DB, st *txState, query string, args ...any) (*sql.Rows, error) {
	var tx *sql.Tx
	if st != nil {
		tx = st.tx.Tx
	}
	return c.querier(db, tx).QueryContext(ctx, query, args...)
}

// pooled returns query's statement prepared on db's pool, preparing it first, or nil when it
// cannot be (a nil or full cache, a failed prepare: the caller then runs it unprepared).
func (c *stmtCache) pooled(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	if c == nil || c.prepare(ctx, db, query) != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// querier runs statements through the cache: in tx when it is set (prepared when the cache has
// them; a transaction never prepares, since its connection may be the pool's only one), else on
// db's pool, preparing them there. It implements querier.
func (c *stmtCache) querier(db *sql.DB, tx *sql.Tx) querier {
	return cachedQuerier{c: c, db: db, tx: tx}
}

type cachedQuerier struct {
	c  *stmtCache
	db *sql.DB
	tx *sql.Tx
}

func (q cachedQuerier) ExecContext(ctx context.Context, text string, args ...any) (sql.Result, error) {
	if q.tx != nil {
		return q.c.exec(ctx, q.tx, text, args...)
	}
	if st := q.c.pooled(ctx, q.db, text); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.db.ExecContext(ctx, text, args...)
}

func (q cachedQuerier) QueryContext(ctx context.Context, text string, args ...any) (*sql.Rows, error) {
	if q.tx != nil {
		if st := q.c.in(ctx, q.tx, text); st != nil {
			return st.QueryContext(ctx, args...)
		}
		return q.tx.QueryContext(ctx, text, args...)
	}
	if st := q.c.pooled(ctx, q.db, text); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.db.QueryContext(ctx, text, args...)
}

func (q cachedQuerier) QueryRowContext(ctx context.Context, text string, args ...any) *sql.Row {
	if q.tx != nil {
		return q.c.queryRow(ctx, q.tx, text, args...)
	}
	if st := q.c.pooled(ctx, q.db, text); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.db.QueryRowContext(ctx, text, args...)
}
