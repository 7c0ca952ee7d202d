package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/uptrace/bun"
)

// txKey is the context key of the transaction InTx opens.
type txKey struct{}

// txState is the transaction InTx keeps in the context: the bun.Tx, the DB it belongs to, and
// the position counter every append in the transaction draws from (the PostgreSQL dialect's
// ordinals).
type txState struct {
	db   *bun.DB
	conn *sql.Conn // the connection the transaction runs on; the PostgreSQL hot paths use its pgx conn
	tx   bun.Tx

	parent *txState // a transaction on another DB that was open when this one began

	mu          sync.Mutex
	ordinal     int64 // ordinals of global positions handed out in this transaction so far
	afterCommit []func()
	hooked      map[any]bool           // keys of the afterCommit hooks, one hook per key
	afterEnd    []func(committed bool) // see es.TxEndNotifier; run last first
	ended       bool
	aggregates  []string // aggregates appended to, for errors of the commit
}

// appended records an aggregate the transaction appended to.
func (st *txState) appended(aggregateID string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.aggregates) < 16 && !slices.Contains(st.aggregates, aggregateID) {
		st.aggregates = append(st.aggregates, aggregateID)
	}
}

// commitError maps a failed COMMIT: an unknown outcome names the aggregates appended to, a
// serialization failure or deadlock is a conflict on them.
func (st *txState) commitError(ctx context.Context, err error) error {
	st.mu.Lock()
	aggs := slices.Clone(st.aggregates)
	st.mu.Unlock()
	if dl, derr := dialectOf(st.db); derr == nil && dl.outcomeUnknown(err) {
		return fmt.Errorf("bunstore: commit of the transaction that appended to %s: %w: the connection ended after COMMIT was sent; "+
			"run the transaction again to find out: its appends of events already stored are recognised and not written twice: %w",
			quoteList(aggs), es.ErrOutcomeUnknown, err)
	}
	err = wrapErr(ctx, "commit", eventTable, err)
	if len(aggs) > 0 {
		err = aboutAggregate(err, aggs[0], "")
	}
	return err
}

// quoteList formats aggregate ids for a message.
func quoteList(ids []string) string {
	if len(ids) == 0 {
		return "no aggregate"
	}
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = strconv.Quote(id)
	}
	return strings.Join(q, ", ")
}

// onCommit registers f to run once the transaction commits; a second hook under the same key is
// dropped.
func (st *txState) onCommit(key any, f func()) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.hooked[key] {
		return
	}
	if st.hooked == nil {
		st.hooked = map[any]bool{}
	}
	st.hooked[key] = true
	st.afterCommit = append(st.afterCommit, f)
}

// InTx runs fn in one transaction on db. The context given to fn carries the transaction: the
// stores of this package, and any code that calls [TxFrom], write through it. A nested InTx on
// the same db joins the outer transaction (only the outermost commits); an InTx on another db
// inside it opens a second transaction, and stores on either db keep joining their own. fn's
// error rolls everything back and is returned as is; a panic in fn rolls back and is re-raised;
// a failed commit is returned wrapped (a serialization failure or deadlock as a
// *es.ConcurrencyError). On SQLite the transaction takes the write lock when it begins.
func InTx(ctx context.Context, db *bun.DB, fn func(ctx context.Context) error) error {
	if db == nil {
		return errors.New("bunstore: InTx: db must not be nil")
	}
	if ambient(ctx, db) != nil {
		return fn(ctx)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bunstore: begin transaction: %w", err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return wrapErr(ctx, "begin transaction", eventTable, err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return wrapErr(ctx, "begin transaction", eventTable, err)
	}
	st := &txState{db: db, conn: conn.Conn, tx: tx, parent: stateFrom(ctx)}
	done, committed := false, false
	defer func() { st.end(committed) }() // last, after the rollback below
	defer func() {
		if !done {
			_ = tx.Rollback()
		}
	}()
	if err := fn(context.WithValue(ctx, txKey{}, st)); err != nil {
		done = true
		_ = tx.Rollback()
		return err
	}
	done = true
	if err := tx.Commit(); err != nil {
		return st.commitError(ctx, err)
	}
	committed = true
	st.mu.Lock()
	hooks := st.afterCommit
	st.mu.Unlock()
	for _, f := range hooks {
		f()
	}
	return nil
}

// onEnd registers fn to run when the transaction ends (see es.TxEndNotifier); false when it has
// ended already.
func (st *txState) onEnd(fn func(committed bool)) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ended {
		return false
	}
	st.afterEnd = append(st.afterEnd, fn)
	return true
}

// end runs the functions registered with onEnd, the last first, once.
func (st *txState) end(committed bool) {
	st.mu.Lock()
	fns := st.afterEnd
	st.afterEnd, st.ended = nil, true
	st.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i](committed)
	}
}

// TxFrom returns the innermost transaction InTx put into ctx, and true, or false when ctx carries
// none.
// Outbox, checkpoint and read-model code writes through it to commit with the events.
func TxFrom(ctx context.Context) (bun.Tx, bool) {
	if st := stateFrom(ctx); st != nil {
		return st.tx, true
	}
	return bun.Tx{}, false
}

func stateFrom(ctx context.Context) *txState {
	st, _ := ctx.Value(txKey{}).(*txState)
	return st
}

// ambient returns the transaction in ctx when it belongs to db.
func ambient(ctx context.Context, db *bun.DB) *txState {
	for st := stateFrom(ctx); st != nil; st = st.parent {
		if st.db == db {
			return st
		}
	}
	return nil
}

// querier is what *sql.DB, *sql.Tx and *sql.Conn have in common: the hot paths run hand-written
// SQL with placeholders through it.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// reader returns the ambient transaction's *sql.Tx when ctx carries one for db, else db's pool.
func reader(ctx context.Context, db *bun.DB) querier {
	return querierOf(ambient(ctx, db), db)
}

// querierOf returns st's *sql.Tx when st is set, else db's pool.
func querierOf(st *txState, db *bun.DB) querier {
	if st != nil {
		return st.tx.Tx
	}
	return db.DB
}
