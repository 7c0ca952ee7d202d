package bunstore

import (
	"context"
	"log/slog"

	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// EventStore is an es.EventStore on PostgreSQL or SQLite, in the table pyfly_event_store. It is
// safe for concurrent use. Every method joins the transaction [InTx] (or [EventStore.InTx]) put
// into the context when that transaction belongs to the same *bun.DB.
type EventStore struct {
	db        *bun.DB
	dl        sqlDialect
	q         eventSQL
	upcasters []es.Upcaster
	format    PayloadFormat    // what Append writes into the payload column
	obs       es.StoreObserver // nil: none
	system    string           // es.SystemPostgreSQL or es.SystemSQLite
	log       *slog.Logger
	writeGate chan struct{} // one append of this store at a time, on a database with one writer
	commits   *commitHub
}

var (
	_ es.EventStore     = (*EventStore)(nil)
	_ es.Transactor     = (*EventStore)(nil)
	_ es.TxJoiner       = (*EventStore)(nil)
	_ es.CommitNotifier = (*EventStore)(nil)
)

// eventsDialect is what the event store needs from a dialect (postgres_event_store.go,
// sqlite_event_store.go).
type eventsDialect interface {
	// eventSQL returns the statements of the read paths.
	eventSQL() eventSQL
	// appendEvents checks b's expected version and inserts its events: in st's transaction
	// when st is set, else in a transaction of its own. Driver errors come back through
	// mapAppendErr.
	appendEvents(ctx context.Context, db *bun.DB, st *txState, b *batch) error
	// queryEvents runs q, a SELECT of eventColumns, in st's transaction when st is set, else on
	// the pool, and decodes the rows with s.finish.
	queryEvents(ctx context.Context, s *EventStore, st *txState, op string, sizeHint int, q string, args ...any) ([]es.Envelope, error)
	// singleWriter reports a database with one writer at a time: a store then queues its own
	// appends in process rather than in the database's busy handler.
	singleWriter() bool
	// prepareAppends prepares on db's pool, when the dialect caches statements, what an append
	// of a few events inside a transaction runs: a transaction never prepares (its connection
	// may be the pool's only one), so [EventStore.InTx] does it before it begins, until it
	// succeeds once.
	prepareAppends(ctx context.Context, db *bun.DB) error
}

// eventSQL holds the read statements of a dialect.
type eventSQL struct {
	// load: (aggregate_id, after_sequence), eventColumns in sequence order.
	load string
	// loadSome: (aggregate_id, after_sequence, limit), load with a limit.
	loadSome string
	// latest: (aggregate_id), the aggregate's highest sequence; no row without events.
	latest string
	// readAll: (after, limit), eventColumns in position order; no rows when after is neither 0
	// nor a stored position.
	readAll string
	// positionExists: (position), whether an event has that global position.
	positionExists string
	// lastPosition: the highest position readers may see, 0 on an empty stream.
	lastPosition string
	// headPosition: the highest position stored, 0 on an empty stream.
	headPosition string
}

// eventColumns are the columns every event SELECT returns, in the order the decoders scan them.
const eventColumns = `event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, global_position`

// NewEventStore returns an event store on db (pgdialect or sqlitedialect). It does no I/O: run
// [Prepare] (or [Migrate]) before the first call. It reads rows in every [PayloadFormat], pyfly's
// own included, and writes in the one [WithPayloadFormat] sets.
func NewEventStore(db *bun.DB, opts ...EventStoreOption) (*EventStore, error) {
	dl, err := dialectOf(db)
	if err != nil {
		return nil, err
	}
	cfg, err := eventStoreOptions(opts)
	if err != nil {
		return nil, err
	}
	s := &EventStore{db: db, dl: dl, q: dl.eventSQL(), upcasters: cfg.upcasters, format: cfg.format, obs: cfg.observer, log: cfg.logger}
	s.system = es.SystemSQLite
	if dl.name() == DialectPostgres {
		s.system = es.SystemPostgreSQL
	}
	s.commits = newCommitHub(db, dl, eventsChannel, cfg.logger)
	if dl.singleWriter() {
		s.writeGate = make(chan struct{}, 1)
	}
	return s, nil
}

// DB returns the *bun.DB the store writes to.
func (s *EventStore) DB() *bun.DB { return s.db }

// DBSystem returns es.SystemPostgreSQL or es.SystemSQLite: the system observers see (see
// es.SystemOf).
func (s *EventStore) DBSystem() string { return s.system }

// Dialect returns the store's dialect.
func (s *EventStore) Dialect() Dialect { return s.dl.name() }

// JoinsTx implements es.TxJoiner: true when ctx carries a transaction of [InTx] on the store's
// *bun.DB.
func (s *EventStore) JoinsTx(ctx context.Context) bool { return ambient(ctx, s.db) != nil }

// CommitNotifications implements es.CommitNotifier: the channel receives after appends of this
// store commit (on their own or with the transaction of [InTx] they joined) and, on PostgreSQL
// with pgx, after appends any process commits through a store of this package (LISTEN/NOTIFY on
// the channel pyfly_es_events; signals coalesce, at most one every 25 ms per writer). On SQLite
// only this store's own appends signal. The channel closes when ctx ends.
func (s *EventStore) CommitNotifications(ctx context.Context) <-chan struct{} {
	return s.commits.subscribe(ctx)
}

// OnTxEnd implements [es.TxEndNotifier] for the transaction on the store's DB that ctx carries.
func (s *EventStore) OnTxEnd(ctx context.Context, fn func(committed bool)) bool {
	st := ambient(ctx, s.db)
	return st != nil && fn != nil && st.onEnd(fn)
}

// InTx implements es.Transactor: it runs fn in a transaction on the store's DB (see [InTx]).
func (s *EventStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if ambient(ctx, s.db) == nil {
		_ = s.dl.prepareAppends(ctx, s.db) // a failure leaves the appends to run unprepared
	}
	return InTx(ctx, s.db, fn)
}
