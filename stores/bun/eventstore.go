package bunstore

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// EventStore is an es.EventStore on PostgreSQL or SQLite, in the table pyfly_event_store. It is
// safe for concurrent use. Every method joins the transaction [InTx] (or [EventStore.InTx]) put
// into the context when that transaction belongs to the same *bun.DB.
type EventStore struct {
	db        *bun.DB
	dialect   Dialect
	pgxArrays bool // the pool runs pgx's stdlib driver, which encodes Go slices as arrays natively
	upcasters []es.Upcaster
	log       *slog.Logger
	writeGate chan struct{} // SQLite: one append of this store at a time
}

var (
	_ es.EventStore = (*EventStore)(nil)
	_ es.Transactor = (*EventStore)(nil)
)

// NewEventStore returns an event store on db (pgdialect or sqlitedialect). It does no I/O: run
// [Prepare] (or [Migrate]) before the first call.
func NewEventStore(db *bun.DB, opts ...Option) (*EventStore, error) {
	d, err := DialectOf(db)
	if err != nil {
		return nil, err
	}
	cfg, err := buildConfig(opts)
	if err != nil {
		return nil, err
	}
	_, isPgx := db.DB.Driver().(*stdlib.Driver)
	s := &EventStore{db: db, dialect: d, pgxArrays: isPgx, upcasters: cfg.upcasters, log: cfg.logger}
	if d == DialectSQLite {
		s.writeGate = make(chan struct{}, 1)
	}
	return s, nil
}

// DB returns the *bun.DB the store writes to.
func (s *EventStore) DB() *bun.DB { return s.db }

// Dialect returns the store's dialect.
func (s *EventStore) Dialect() Dialect { return s.dialect }

// JoinsTx implements es.TxJoiner: true when ctx carries a transaction of [InTx] on the store's
// *bun.DB.
func (s *EventStore) JoinsTx(ctx context.Context) bool { return ambient(ctx, s.db) != nil }

// InTx implements es.Transactor: it runs fn in a transaction on the store's DB (see [InTx]).
func (s *EventStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return InTx(ctx, s.db, fn)
}
