package bunstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps statements prepared on a pool, so that the database parses each SQL text once
// per connection instead of at every call (SQLite spends a third of a one-event append parsing
// otherwise). database/sql prepares a *sql.Stmt on each connection the first time it runs
// there, and Tx.StmtContext reuses that.
//
// Preparing takes a connection from the pool: callers prepare only while they hold none (before
// they begin their transaction), since an in-memory SQLite database has a single connection.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// prepare makes sure each query is prepared on db. A nil cache prepares nothing.
func (c *stmtCache) prepare(ctx context.Context, db *sql.DB, queries ...string) error {
	if c == nil {
		return nil
	}
	for _, q := range queries {
		c.mu.Lock()
		_, ok := c.m[q]
		c.mu.Unlock()
		if ok {
			continue
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		c.mu.Lock()
		if _, ok := c.m[q]; ok {
			_ = st.Close() // prepared meanwhile by another caller
		} else {
			if c.m == nil {
				c.m = map[string]*sql.Stmt{}
			}
			c.m[q] = st
		}
		c.mu.Unlock()
	}
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
	if st != nil {
		if stmt := c.in(ctx, st.tx.Tx, query); stmt != nil {
			return stmt.QueryContext(ctx, args...)
		}
		return st.tx.Tx.QueryContext(ctx, query, args...)
	}
	if err := c.prepare(ctx, db, query); err != nil {
		return nil, err
	}
	c.mu.Lock()
	stmt := c.m[query]
	c.mu.Unlock()
	if stmt == nil { // a nil cache
		return db.QueryContext(ctx, query, args...)
	}
	return stmt.QueryContext(ctx, args...)
}
