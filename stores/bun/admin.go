package bunstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// DefaultStallThreshold is how long a projection's checkpoint may stand still while events wait
// before [Admin] calls it failing (see inspect.StateOf), unless [WithStallThreshold] says
// otherwise.
const DefaultStallThreshold = time.Minute

// Admin inspects and repairs the stores' tables for operators: the esctl command is a shell over
// it, and it implements inspect.Inspector for health checks. It reads the tables as they are
// (the event store's, the outbox's and the projections'), never through a cache, and its repairs
// (a projection's reset, a dead letter's retry, migrations, renumbering positions after a
// restore) are the ones the stores' own guarantees allow while the application runs, except
// where a method says otherwise. It is safe for concurrent use.
type Admin struct {
	events  *EventStore // on the events' database, without upcasters: events as stored
	outbox  *OutboxStore
	cps     *CheckpointStore // on the projections' database
	letters *DeadLetterStore
	eq, cq  adminSQL // the statements of each database's dialect
	edl     sqlDialect
	cdl     sqlDialect
	stall   time.Duration
}

var _ inspect.Inspector = (*Admin)(nil)

// AdminOption configures [NewAdmin].
type AdminOption func(*adminConfig) error

type adminConfig struct {
	checkpoints *bun.DB
	stall       time.Duration
}

// WithCheckpointDB says where the projections' checkpoints, leases and dead letters live when
// it is not the events' database (pyfly.eventsourcing.projection.checkpoint.url).
func WithCheckpointDB(db *bun.DB) AdminOption {
	return func(c *adminConfig) error {
		if db == nil {
			return storekit.InvalidArgument("bunstore: WithCheckpointDB: db must not be nil")
		}
		c.checkpoints = db
		return nil
	}
}

// WithStallThreshold sets how long a projection's checkpoint may stand still while events wait
// before it is failing (default [DefaultStallThreshold]; more than 0).
func WithStallThreshold(d time.Duration) AdminOption {
	return func(c *adminConfig) error {
		if d <= 0 {
			return storekit.InvalidArgument("bunstore: WithStallThreshold: must be more than 0, got %v", d)
		}
		c.stall = d
		return nil
	}
}

// NewAdmin returns an Admin of the stores on db (pgdialect or sqlitedialect): the event store,
// the outbox and, unless [WithCheckpointDB] says otherwise, the projections' tables. It does no
// I/O.
func NewAdmin(db *bun.DB, opts ...AdminOption) (*Admin, error) {
	cfg := adminConfig{checkpoints: db, stall: DefaultStallThreshold}
	for i, o := range opts {
		if o == nil {
			return nil, storekit.InvalidArgument("bunstore: NewAdmin: option %d is nil", i)
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	events, err := NewEventStore(db)
	if err != nil {
		return nil, err
	}
	ob, err := NewOutboxStore(db)
	if err != nil {
		return nil, err
	}
	cps, err := NewCheckpointStore(cfg.checkpoints)
	if err != nil {
		return nil, err
	}
	letters, err := NewDeadLetterStore(cfg.checkpoints)
	if err != nil {
		return nil, err
	}
	return &Admin{
		events: events, outbox: ob, cps: cps, letters: letters,
		edl: events.dl, cdl: cps.dl, eq: events.dl.adminSQL(), cq: cps.dl.adminSQL(), stall: cfg.stall,
	}, nil
}

// Dialect is the dialect of the events' database.
func (a *Admin) Dialect() Dialect { return a.edl.name() }

// EventStore returns the event store the Admin reads, without upcasters: events as stored.
func (a *Admin) EventStore() *EventStore { return a.events }

// databases lists the databases the Admin reads: the events', then the projections' when it is
// another one.
func (a *Admin) databases() []*bun.DB {
	if a.cps.db == a.events.db {
		return []*bun.DB{a.events.db}
	}
	return []*bun.DB{a.events.db, a.cps.db}
}

// Ping implements inspect.Inspector: it pings each database.
func (a *Admin) Ping(ctx context.Context) error {
	for _, db := range a.databases() {
		if err := db.PingContext(ctx); err != nil {
			return wrapErr(ctx, "ping", eventTable, err)
		}
	}
	return nil
}

// CheckSchema implements inspect.Inspector: every migration this release knows is applied on
// each database (else an error matching [ErrSchema] that names them), every table has its
// columns, and on PostgreSQL no stored position lies ahead of the server's transaction ids
// ([ErrPositionsAhead]).
func (a *Admin) CheckSchema(ctx context.Context) error {
	for _, db := range a.databases() {
		pending, err := PendingMigrations(ctx, db)
		if err != nil {
			return err
		}
		if len(pending) > 0 {
			return fmt.Errorf("%w: migrations %v are not applied; run esctl migrate or bunstore.Migrate", ErrSchema, pending)
		}
		if err := CheckSchema(ctx, db); err != nil {
			return err
		}
		dl, err := dialectOf(db)
		if err != nil {
			return err
		}
		if err := dl.verify(ctx, db); err != nil {
			return err
		}
	}
	return nil
}

// Migrate applies the migrations ([Migrate]) on each database.
func (a *Admin) Migrate(ctx context.Context) error {
	for _, db := range a.databases() {
		if err := Migrate(ctx, db); err != nil {
			return err
		}
	}
	return nil
}

// PendingMigrations lists the migrations, on each database the Admin reads, that this release
// knows and the database has not recorded, in order; none when the schema is current.
func (a *Admin) PendingMigrations(ctx context.Context) ([]string, error) {
	var out []string
	for _, db := range a.databases() {
		pending, err := PendingMigrations(ctx, db)
		if err != nil {
			return nil, err
		}
		for _, p := range pending {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// PendingMigrations lists the migrations of db's dialect that [Migrate] would apply: those this
// release knows and pyfly_es_migrations does not record (all of them without that table), by
// name (NNNN_comment), in order. It changes nothing.
func PendingMigrations(ctx context.Context, db *bun.DB) ([]string, error) {
	dl, err := dialectOf(db)
	if err != nil {
		return nil, err
	}
	ms, err := dialectMigrations(dl)
	if err != nil {
		return nil, err
	}
	cols, err := tableColumns(ctx, db.DB, dl, migrationTable)
	if err != nil {
		return nil, err
	}
	applied := map[string]bool{}
	if cols["id"] && cols["name"] {
		rows, err := db.DB.QueryContext(ctx, dl.adminSQL().migrationsApplied)
		if err != nil {
			return nil, wrapErr(ctx, "read applied migrations", migrationTable, err)
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				return nil, wrapErr(ctx, "read applied migrations", migrationTable, err)
			}
			applied[name] = true
		}
		if err := rows.Err(); err != nil {
			return nil, wrapErr(ctx, "read applied migrations", migrationTable, err)
		}
	}
	var out []string
	for _, m := range ms.Sorted() {
		if !applied[m.Name] {
			out = append(out, m.Name+"_"+m.Comment)
		}
	}
	return out, nil
}
