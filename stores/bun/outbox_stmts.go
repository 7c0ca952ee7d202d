package bunstore

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds a statement cache; statements beyond it run unprepared.
const maxCachedStatements = 128

// stmtCache keeps prepared statements by their text. SQLite (modernc) otherwise parses and plans
// a statement on every call, which for the outbox's claim costs twenty times more than running
// it; database/sql prepares each statement again on every connection it runs on.
type stmtCache struct {
	db *sql.DB

	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// stmt returns the prepared statement for q, nil when the cache is full.
func (c *stmtCache) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st, nil
	}
	if len(c.m) >= maxCachedStatements {
		return nil, nil
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	return st, nil
}

// cachedQuerier runs statements prepared through a cache, on the transaction tx when it is set,
// else on the pool. It implements querier.
type cachedQuerier struct {
	c  *stmtCache
	tx *sql.Tx
}

func (q cachedQuerier) plain() querier {
	if q.tx != nil {
		return q.tx
	}
	return q.c.db
}

// bind returns the statement for text on q's transaction or pool, and whether the caller must
// close it (a statement bound to a transaction), or nil to run text unprepared.
func (q cachedQuerier) bind(ctx context.Context, text string) (*sql.Stmt, bool, error) {
	st, err := q.c.stmt(ctx, text)
	if err != nil || st == nil {
		return nil, false, err
	}
	if q.tx != nil {
		return q.tx.StmtContext(ctx, st), true, nil
	}
	return st, false, nil
}

func (q cachedQuerier) ExecContext(ctx context.Context, text string, args ...any) (sql.Result, error) {
	st, closeIt, err := q.bind(ctx, text)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return q.plain().ExecContext(ctx, text, args...)
	}
	if closeIt {
		defer st.Close()
	}
	return st.ExecContext(ctx, args...)
}

func (q cachedQuerier) QueryContext(ctx context.Context, text string, args ...any) (*sql.Rows, error) {
	st, closeIt, err := q.bind(ctx, text)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return q.plain().QueryContext(ctx, text, args...)
	}
	if closeIt {
		// Rows keep the statement open until they are closed; closing a statement bound to a
		// transaction only releases its handle once they are.
		defer st.Close()
	}
	return st.QueryContext(ctx, args...)
}

func (q cachedQuerier) QueryRowContext(ctx context.Context, text string, args ...any) *sql.Row {
	st, closeIt, err := q.bind(ctx, text)
	if err != nil || st == nil {
		return q.plain().QueryRowContext(ctx, text, args...)
	}
	if closeIt {
		defer st.Close()
	}
	return st.QueryRowContext(ctx, args...)
}
