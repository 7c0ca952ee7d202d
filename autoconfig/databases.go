package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"
	"go.opentelemetry.io/otel/metric"

	"github.com/gofly/eventsourcing/config"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/stores/memory"
)

// Databases owns one *bun.DB per distinct database the Bun stores resolve to. [NewDatabases]
// only plans them: no *bun.DB (and so no connection pool or goroutine) exists before
// [Databases.Start], which builds each pool, connects, prepares the schema and binds the stores
// built by [NewEventStore] and [NewSnapshotStore]. [Databases.Close] unbinds the stores and
// closes the pools. An application that is never started therefore holds nothing to release.
type Databases struct {
	settings  *Settings
	mem       *memStores                   // the module's memory stores, read by the inspector
	inspector *Inspector                   // the inspector of the stores
	projs     atomic.Pointer[Projections]  // the projections built on these databases, for the gauges
	stream    atomic.Pointer[OutboxStream] // the outbox stream built on these databases, for the gauges and health

	mu          sync.Mutex
	list        []*database
	store       *database
	snap        *database
	checkpoints *database
	outbox      *database
	binders     []binder
	state       dbState
	gauges      metric.Registration // while started with a meter provider
}

type dbState int

const (
	dbPlanned dbState = iota
	dbStarted
	dbStopped
)

// database is one database and the stores on it.
type database struct {
	targets []Target
	migrate bool
	db      atomic.Pointer[bun.DB] // built by Start; kept (closed) after Close
}

// binder is a forwarding store waiting for its database.
type binder interface {
	// bind builds the real store on the opened database.
	bind() error
	// stop makes the store refuse calls from now on.
	stop()
}

// NewDatabases plans the databases of the Bun stores in s, one per distinct database (stores
// whose URLs name the same database share it). It builds no *bun.DB and does no I/O; it returns
// an empty Databases when the four stores (event, snapshot, checkpoint and outbox) are all in
// memory. With Fx, the module starts it on OnStart and closes it on OnStop; without Fx, call
// [Databases.Start] and [Databases.Close].
func NewDatabases(s *Settings) (*Databases, error) {
	if s == nil {
		return nil, errors.New("eventsourcing: NewDatabases: settings are nil; build them with NewSettings")
	}
	d := &Databases{settings: s, mem: newMemStores()}
	d.inspector = &Inspector{d: d}
	d.store = d.add(s.EventStore)
	d.snap = d.add(s.SnapshotStore)
	d.outbox = d.add(s.Outbox)
	return d, nil
}

// add plans t's database, shared with the targets already planned on it; nil for a memory
// store. It runs before Start.
func (d *Databases) add(t Target) *database {
	if t.Provider != config.ProviderBun {
		return nil
	}
	for _, db := range d.list {
		if db.targets[0].dbKey() == t.dbKey() {
			db.targets = append(db.targets, t)
			db.migrate = shouldMigrate(db.targets)
			return db
		}
	}
	db := &database{targets: []Target{t}}
	db.migrate = shouldMigrate(db.targets)
	d.list = append(d.list, db)
	return db
}

// useCheckpoints plans the checkpoint database, for the projections: only an application with
// projections opens it (or names it in messages).
func (d *Databases) useCheckpoints() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.checkpoints != nil || d.settings.Checkpoints.Provider != config.ProviderBun {
		return nil
	}
	if d.state != dbPlanned {
		return errors.New("eventsourcing: projections were added after the databases started; build them before Start")
	}
	d.checkpoints = d.add(d.settings.Checkpoints)
	return nil
}

// shouldMigrate: any store on the database that sets auto-migrate decides (true wins); with none
// set, SQLite migrates and PostgreSQL does not.
func shouldMigrate(targets []Target) bool {
	set := false
	for _, t := range targets {
		if t.AutoMigrate != nil {
			set = true
			if *t.AutoMigrate {
				return true
			}
		}
	}
	if set {
		return false
	}
	return targets[0].Dialect == bunstore.DialectSQLite
}

// EventStoreDB returns the event store's *bun.DB once [Databases.Start] has opened it: nil before
// start, and nil when the event store is in memory. After Close it returns the closed handle. In
// an Fx application it is open in the OnStart hooks of every constructor that takes *Databases
// (Fx runs hooks in the order their constructors ran), so read it there, not in the constructor.
func (d *Databases) EventStoreDB() *bun.DB { return d.store.handle() }

// SnapshotStoreDB returns the snapshot store's *bun.DB under the same rules as
// [Databases.EventStoreDB]. It is the event store's when both resolve to the same database.
func (d *Databases) SnapshotStoreDB() *bun.DB { return d.snap.handle() }

// CheckpointsDB returns the projections' checkpoint database under the same rules as
// [Databases.EventStoreDB]: nil when checkpoints are kept in memory.
func (d *Databases) CheckpointsDB() *bun.DB { return d.checkpoints.handle() }

func (db *database) handle() *bun.DB {
	if db == nil {
		return nil
	}
	return db.db.Load()
}

// attach registers a forwarding store on db: bound at Start, at once when the databases have
// started, stopped at once when they have stopped.
func (d *Databases) attach(b binder) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch d.state {
	case dbStarted:
		if err := b.bind(); err != nil {
			return err
		}
	case dbStopped:
		b.stop()
	}
	d.binders = append(d.binders, b)
	return nil
}

// Start builds each database's pool, connects, then runs its migrations or checks its schema
// (see the package documentation), and binds the stores. On failure it closes whatever it opened
// and returns an error naming the store, the URL without its password and the configuration key
// that chose it. Start is idempotent; after Close, or after a failed Start, it fails with an
// error matching [ErrStopped].
func (d *Databases) Start(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch d.state {
	case dbStarted:
		return nil
	case dbStopped:
		return &lifecycleError{
			msg:      "eventsourcing: databases cannot start again after Close or a failed Start; build new ones with NewDatabases",
			sentinel: ErrStopped,
		}
	}
	for _, db := range d.list {
		if err := db.open(ctx, d.settings.logger()); err != nil {
			_ = d.stopLocked()
			return err
		}
	}
	for _, b := range d.binders {
		if err := b.bind(); err != nil {
			_ = d.stopLocked()
			return err
		}
	}
	if err := d.registerGauges(); err != nil {
		_ = d.stopLocked()
		return err
	}
	d.state = dbStarted
	return nil
}

// open builds the pool from the first target's Source (all targets share its key), pings and
// prepares the schema.
func (db *database) open(ctx context.Context, logger *slog.Logger) error {
	t := db.targets[0]
	where := fmt.Sprintf("%s on %s (from %s)", describe(db.targets), t.Redacted(), keyOrDefault(t.URL.Key))
	bdb, err := bunstore.NewDBFrom(t.Source)
	if err != nil {
		c := cause(err)
		return &wrapped{msg: "eventsourcing: " + where + ": " + c.Error(), err: err}
	}
	db.db.Store(bdb)
	if err := bunstore.Ping(ctx, bdb, t.Source); err != nil {
		return &wrapped{msg: fmt.Sprintf("eventsourcing: %s: cannot reach the database %s (from %s): %s",
			describe(db.targets), t.Redacted(), keyOrDefault(t.URL.Key), cause(err)), err: err}
	}
	var tables []string
	for _, t := range db.targets {
		tables = append(tables, t.Tables...)
	}
	if err := bunstore.Prepare(ctx, bdb, db.migrate, bunstore.WithLogger(logger), bunstore.WithTables(tables...)); err != nil {
		return &wrapped{msg: "eventsourcing: " + where + ": " + prepareProblem(err, t, db.migrate), err: err}
	}
	return nil
}

// prepareProblem says what failed in Prepare and what to do: for what migrating resolves, the
// key that turns it on; for a table migrating cannot upgrade, bunstore's advice.
func prepareProblem(err error, t Target, migrated bool) string {
	detail := cause(err).Error()
	var se *bunstore.SchemaError
	switch {
	case migrated:
		return "the migrations failed: " + detail
	case errors.As(err, &se) && se.Fix == bunstore.FixMigrate:
		what := "create the tables"
		if se.Problem != "does not exist" {
			what = "upgrade the tables"
		}
		return "table " + se.Table + " " + se.Problem + "; set " + t.Prefix + ".auto-migrate: true (or " + config.DataRelationalDDLAutoKey +
			": update) to " + what + " on start, or run the migrations"
	case errors.Is(err, bunstore.ErrSchema) && se == nil:
		detail, _, _ = strings.Cut(detail, "; ")
		return detail + "; set " + t.Prefix + ".auto-migrate: true to create the tables on start, or run the migrations"
	}
	return detail
}

func describe(targets []Target) string {
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.Name
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// Close unbinds the stores (they refuse calls with an error matching [ErrStopped]) and closes
// every database. It is safe to call more than once, and before Start.
func (d *Databases) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.state == dbStopped {
		return nil
	}
	return d.stopLocked()
}

func (d *Databases) stopLocked() error {
	d.state = dbStopped
	var errs []error
	if d.gauges != nil {
		if err := d.gauges.Unregister(); err != nil {
			errs = append(errs, &wrapped{msg: "eventsourcing: OpenTelemetry gauges: " + err.Error(), err: err})
		}
		d.gauges = nil
	}
	for _, b := range d.binders {
		b.stop()
	}
	for _, db := range d.list {
		if h := db.db.Load(); h != nil {
			if err := h.Close(); err != nil {
				errs = append(errs, &wrapped{msg: fmt.Sprintf("eventsourcing: close %s on %s: %s", describe(db.targets), db.targets[0].Redacted(), cause(err)), err: err})
			}
		}
	}
	return errors.Join(errs...)
}

// memStores are the module's memory stores: the projections' checkpoints, lease and dead
// letters and the outbox's records when they are in memory, and the memory event store, which
// the inspector reads.
type memStores struct {
	checkpoints *memory.CheckpointStore
	lease       *memory.Lease
	letters     *memory.DeadLetterStore
	outbox      *memory.OutboxStore
	events      atomic.Pointer[memory.EventStore] // set by NewEventStore
}

func newMemStores() *memStores {
	m := &memStores{checkpoints: memory.NewCheckpointStore(), lease: memory.NewLease(), letters: memory.NewDeadLetterStore()}
	// The event store is made later (NewEventStore): the outbox's claims look it up.
	m.outbox = memory.NewOutboxStore(memory.WithEventsFrom(m.eventStore))
	return m
}

func (m *memStores) eventStore() *memory.EventStore { return m.events.Load() }

// memoryStores returns the module's memory stores.
func (d *Databases) memoryStores() *memStores { return d.mem }

// runners returns the running runners of the projections and of the outbox stream built on d,
// for the gauges.
func (d *Databases) runners() []*projection.Runner { return d.runnersWith(d.projs.Load()) }

// runnersWith returns the running runners of p (nil for none) and of the outbox stream built on
// d.
func (d *Databases) runnersWith(p *Projections) []*projection.Runner {
	var rs []*projection.Runner
	if p != nil {
		rs = p.Runners()
	}
	if o := d.stream.Load(); o != nil {
		if st := o.Stream(); st != nil {
			rs = append(rs, st.Runner())
		}
	}
	return rs
}
