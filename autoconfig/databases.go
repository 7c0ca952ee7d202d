package autoconfig

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/config"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// Databases owns one *bun.DB per distinct database the stores resolve to. [NewDatabases] builds
// them without connecting; [Databases.Start] connects and prepares the schema; [Databases.Close]
// closes them. A Databases that is never started and becomes unreachable closes its handles when
// the garbage collector finds it, so an Fx application that fails to build leaks nothing.
type Databases struct {
	mu      sync.Mutex
	list    []*database
	byKey   map[string]*database
	store   *database
	snap    *database
	started bool
	closed  bool
	cleanup runtime.Cleanup
}

type database struct {
	db      *bun.DB
	targets []Target
	migrate bool
}

// NewDatabases builds the *bun.DB of each database the bun stores in s name, one per distinct
// database, without connecting. It returns an empty Databases when both stores are in memory.
func NewDatabases(s *Settings) (*Databases, error) {
	d := &Databases{byKey: map[string]*database{}}
	var err error
	if d.store, err = d.add(s.EventStore); err != nil {
		d.closeAll()
		return nil, err
	}
	if d.snap, err = d.add(s.SnapshotStore); err != nil {
		d.closeAll()
		return nil, err
	}
	for _, db := range d.list {
		db.migrate = shouldMigrate(db.targets)
	}
	if len(d.list) > 0 {
		handles := make([]*sql.DB, len(d.list))
		for i, db := range d.list {
			handles[i] = db.db.DB
		}
		d.cleanup = runtime.AddCleanup(d, closeHandles, handles)
	}
	return d, nil
}

func closeHandles(handles []*sql.DB) {
	for _, h := range handles {
		_ = h.Close()
	}
}

func (d *Databases) add(t Target) (*database, error) {
	if t.Provider != config.ProviderBun {
		return nil, nil
	}
	if db, ok := d.byKey[t.dbKey()]; ok {
		db.targets = append(db.targets, t)
		return db, nil
	}
	bdb, err := newDB(t)
	if err != nil {
		return nil, err
	}
	db := &database{db: bdb, targets: []Target{t}}
	d.byKey[t.dbKey()] = db
	d.list = append(d.list, db)
	return db, nil
}

// shouldMigrate: any store on the database that sets auto_migrate decides (true wins); with none
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

// EventStoreDB returns the event store's *bun.DB, nil when the event store is in memory.
func (d *Databases) EventStoreDB() *bun.DB { return d.store.handle() }

// SnapshotStoreDB returns the snapshot store's *bun.DB, nil when the snapshot store is in memory.
// It is the event store's when both resolve to the same database.
func (d *Databases) SnapshotStoreDB() *bun.DB { return d.snap.handle() }

func (db *database) handle() *bun.DB {
	if db == nil {
		return nil
	}
	return db.db
}

// Start connects to each database, then runs its migrations or checks its schema (see the package
// documentation). On failure it closes every database and returns an error naming the store, the
// URL without its password and the configuration key that chose it. Start after Close fails.
func (d *Databases) Start(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errors.New("autoconfig: databases already closed")
	}
	if d.started {
		return nil
	}
	d.cleanup.Stop()
	for _, db := range d.list {
		if err := db.start(ctx); err != nil {
			d.closeLocked()
			return err
		}
	}
	d.started = true
	return nil
}

func (db *database) start(ctx context.Context) error {
	t := db.targets[0]
	if err := db.db.PingContext(ctx); err != nil {
		return fmt.Errorf("autoconfig: %s: cannot reach the database %s (from %s): %w", describe(db.targets), t.Redacted(), keyOrDefault(t.URL.Key), scrubbed(err))
	}
	if err := bunstore.Prepare(ctx, db.db, db.migrate); err != nil {
		hint := "set " + t.Prefix + ".auto-migrate: true to create the tables on start, or run the migrations"
		if db.migrate {
			hint = "the migrations failed"
		}
		return fmt.Errorf("autoconfig: %s on %s: %s: %w", describe(db.targets), t.Redacted(), hint, scrubbed(err))
	}
	return nil
}

func describe(targets []Target) string {
	if len(targets) == 1 {
		return targets[0].Name
	}
	return "event store and snapshot store"
}

// Close closes every database. It is safe to call more than once.
func (d *Databases) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closeLocked()
}

func (d *Databases) closeLocked() error {
	if d.closed {
		return nil
	}
	d.closed = true
	d.cleanup.Stop()
	return d.closeAll()
}

func (d *Databases) closeAll() error {
	var errs []error
	for _, db := range d.list {
		if err := db.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("autoconfig: close %s: %w", db.targets[0].Redacted(), err))
		}
	}
	return errors.Join(errs...)
}
