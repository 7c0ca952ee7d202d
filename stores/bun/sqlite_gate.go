package bunstore

import (
	"context"
	"database/sql/driver"
	"reflect"
	"strings"
	"time"
)

// writeGate lets the writers of one SQLite pool in one at a time, queued in Go. SQLite admits one
// writer to a file at once and makes the others retry on a schedule of sleeps (1, 2, 5, 10, 15 …
// ms, see busy_timeout), so under contention a write that needs the lock for a hundred
// microseconds waits milliseconds, and a writer that keeps losing the race waits for hundreds:
// a relay's claims and a service's appends on one file then reach a fraction of either's rate.
// Queued here, the next writer of the pool takes the lock as soon as the last one commits.
// Writers of other pools and processes still meet SQLite's own waiting.
type writeGate struct{ ch chan struct{} }

func newWriteGate() *writeGate { return &writeGate{ch: make(chan struct{}, 1)} }

// enter waits for the gate and returns what leaves it. It waits at most as long as SQLite's busy
// timeout, or until ctx ends: then it goes on without the gate (a no-op leave), and SQLite's own
// waiting decides, as it would without the gate. A writer that holds the gate and writes again
// on another connection of the pool therefore waits no longer than SQLite alone would make it.
func (g *writeGate) enter(ctx context.Context) (leave func()) {
	select {
	case g.ch <- struct{}{}:
		return g.leave
	default:
	}
	t := time.NewTimer(sqliteBusyTimeout)
	defer t.Stop()
	select {
	case g.ch <- struct{}{}:
		return g.leave
	case <-ctx.Done():
	case <-t.C:
	}
	return func() {}
}

func (g *writeGate) leave() { <-g.ch }

// gatedConnector hands out connections whose writes pass gate.
type gatedConnector struct {
	driver.Connector
	gate *writeGate
}

func (c gatedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &gatedConn{conn: conn, gate: c.gate}, nil
}

// sqliteConn is what the gate needs of a modernc.org/sqlite connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
}

// gatedConn is a connection whose transactions hold the gate from begin to end (every
// transaction of the store's SQLite pools begins IMMEDIATE, taking the write lock at once), and
// whose writes outside one hold it for the statement (for a query with RETURNING, until its rows
// close). Reads never wait for it. database/sql uses a connection from one goroutine at a time.
type gatedConn struct {
	conn  driver.Conn
	gate  *writeGate
	leave func() // set while a transaction holds the gate
}

var (
	_ driver.Conn               = (*gatedConn)(nil)
	_ driver.ConnBeginTx        = (*gatedConn)(nil)
	_ driver.ConnPrepareContext = (*gatedConn)(nil)
	_ driver.ExecerContext      = (*gatedConn)(nil)
	_ driver.QueryerContext     = (*gatedConn)(nil)
	_ driver.Pinger             = (*gatedConn)(nil)
	_ driver.SessionResetter    = (*gatedConn)(nil)
	_ driver.Validator          = (*gatedConn)(nil)
)

func (c *gatedConn) inner() sqliteConn { return c.conn.(sqliteConn) }

func (c *gatedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *gatedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.inner().PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &gatedStmt{Stmt: s, conn: c, write: isWriteSQL(query)}, nil
}

func (c *gatedConn) Close() error {
	c.endTx()
	return c.conn.Close()
}

func (c *gatedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *gatedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.endTx()
	leave := c.gate.enter(ctx)
	tx, err := c.inner().BeginTx(ctx, opts)
	if err != nil {
		leave()
		return nil, err
	}
	c.leave = leave
	return gatedTx{Tx: tx, conn: c}, nil
}

// endTx leaves the gate the transaction holds, if any.
func (c *gatedConn) endTx() {
	if c.leave != nil {
		leave := c.leave
		c.leave = nil
		leave()
	}
}

// around returns what leaves the gate after a statement: it enters the gate first for a write
// outside a transaction.
func (c *gatedConn) around(ctx context.Context, write bool) func() {
	if !write || c.leave != nil {
		return func() {}
	}
	return c.gate.enter(ctx)
}

func (c *gatedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	leave := c.around(ctx, isWriteSQL(query))
	defer leave()
	return c.inner().ExecContext(ctx, query, args)
}

func (c *gatedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	leave := c.around(ctx, isWriteSQL(query))
	rows, err := c.inner().QueryContext(ctx, query, args)
	return gatedRows(rows, err, leave)
}

func (c *gatedConn) Ping(ctx context.Context) error {
	if p, ok := c.conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *gatedConn) ResetSession(ctx context.Context) error {
	if r, ok := c.conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *gatedConn) IsValid() bool {
	if v, ok := c.conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// gatedTx leaves the gate when the transaction ends.
type gatedTx struct {
	driver.Tx
	conn *gatedConn
}

func (t gatedTx) Commit() error {
	defer t.conn.endTx()
	return t.Tx.Commit()
}

func (t gatedTx) Rollback() error {
	defer t.conn.endTx()
	return t.Tx.Rollback()
}

// gatedStmt is a prepared statement of a gatedConn; write says whether it writes.
type gatedStmt struct {
	driver.Stmt
	conn  *gatedConn
	write bool
}

func (s *gatedStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), namedValues(args))
}

func (s *gatedStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), namedValues(args))
}

func (s *gatedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	leave := s.conn.around(ctx, s.write)
	defer leave()
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *gatedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	leave := s.conn.around(ctx, s.write)
	rows, err := s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	return gatedRows(rows, err, leave)
}

func namedValues(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// gatedRows returns rows that leave the gate when they close (at once on an error).
func gatedRows(rows driver.Rows, err error, leave func()) (driver.Rows, error) {
	if err != nil {
		leave()
		return nil, err
	}
	return &leavingRows{Rows: rows, leave: leave}, nil
}

// leavingRows are the rows of a statement that holds the gate until they close. They pass on
// the column types modernc.org/sqlite reports.
type leavingRows struct {
	driver.Rows
	leave func()
}

func (r *leavingRows) Close() error {
	err := r.Rows.Close()
	if r.leave != nil {
		r.leave()
		r.leave = nil
	}
	return err
}

func (r *leavingRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *leavingRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *leavingRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

// isWriteSQL reports whether a statement may write: anything but a SELECT, VALUES or EXPLAIN,
// and a WITH whose text holds INSERT, UPDATE, DELETE or REPLACE.
func isWriteSQL(query string) bool {
	first, rest := firstKeyword(query)
	switch first {
	case "SELECT", "VALUES", "EXPLAIN":
		return false
	case "WITH":
		up := strings.ToUpper(rest)
		for _, w := range []string{"INSERT", "UPDATE", "DELETE", "REPLACE"} {
			if strings.Contains(up, w) {
				return true
			}
		}
		return false
	}
	return true
}

// firstKeyword returns the first word of query, upper-cased, past spaces and comments, and the
// text after it.
func firstKeyword(query string) (string, string) {
	q := query
	for {
		q = strings.TrimLeft(q, " \t\r\n(")
		switch {
		case strings.HasPrefix(q, "--"):
			if i := strings.IndexByte(q, '\n'); i >= 0 {
				q = q[i+1:]
				continue
			}
			return "", ""
		case strings.HasPrefix(q, "/*"):
			if i := strings.Index(q, "*/"); i >= 0 {
				q = q[i+2:]
				continue
			}
			return "", ""
		}
		break
	}
	end := strings.IndexFunc(q, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	if end < 0 {
		end = len(q)
	}
	return strings.ToUpper(q[:end]), q[end:]
}
