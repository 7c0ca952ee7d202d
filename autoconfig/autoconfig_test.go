package autoconfig_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

func enabledConfig() config.Config {
	cfg := config.Default()
	cfg.Enabled = true
	return cfg
}

var discard = slog.New(slog.DiscardHandler)

func TestNewSettingsGate(t *testing.T) {
	_, err := autoconfig.NewSettings(config.Default(), nil)
	require.ErrorIs(t, err, config.ErrDisabled)
	require.EqualError(t, err, "eventsourcing: the module is disabled; set pyfly.eventsourcing.enabled: true to use its beans")

	cfg := enabledConfig()
	cfg.Snapshot.Provider = "mongo"
	_, err = autoconfig.NewSettings(cfg, nil)
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.EqualError(t, err, `eventsourcing: pyfly.eventsourcing.snapshot.provider: "mongo" is not a known provider; valid values: memory, bun, sqlalchemy (an alias of bun)`)

	cfg = enabledConfig()
	cfg.Store.Provider = "bun"
	cfg.Store.URL = "oracle://scott:tiger@db/x"
	_, err = autoconfig.NewSettings(cfg, nil)
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	require.EqualError(t, err, `eventsourcing: pyfly.eventsourcing.store.url: unusable by the event store (pyfly.eventsourcing.store.provider is bun): `+
		`database URL "oracle://scott:xxxxx@db/x": unsupported scheme oracle://; valid forms: postgres://, postgresql://, postgresql+asyncpg://, `+
		`postgresql+psycopg:// (PostgreSQL); sqlite:///relative/path, sqlite:////absolute/path, sqlite+aiosqlite:///path, sqlite::memory:, sqlite:///:memory: (SQLite)`)
	var ce *config.Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "pyfly.eventsourcing.store.url", ce.Key)

	// Connection settings are checked with the configuration, before anything is opened.
	cfg = enabledConfig()
	cfg.Store.Provider = "bun"
	cfg.DataRelationalURL = "postgres://app:hunter2@db:99999/app"
	_, err = autoconfig.NewSettings(cfg, nil)
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.ErrorContains(t, err, "eventsourcing: pyfly.data.relational.url: unusable by the event store (pyfly.eventsourcing.store.provider is bun): ")
	require.ErrorContains(t, err, "port")
	require.NotContains(t, err.Error(), "hunter2")
}

func TestSettingsResolveTargets(t *testing.T) {
	var logs bytes.Buffer
	cfg := enabledConfig()
	cfg.Store.Provider = "sqlalchemy"
	cfg.Snapshot.Provider = "bun"
	cfg.DataRelationalURL = "postgresql+asyncpg://app:pw@db.internal:5432/app"
	s, err := autoconfig.NewSettings(cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	require.Equal(t, config.ProviderBun, s.EventStore.Provider)
	require.Equal(t, bunstore.DialectPostgres, s.EventStore.Dialect)
	require.Equal(t, config.DataRelationalURLKey, s.EventStore.URL.Key)
	require.Equal(t, "postgresql+asyncpg://app:xxxxx@db.internal:5432/app", s.SnapshotStore.Redacted())
	require.NotContains(t, logs.String(), ":pw@")
	require.Contains(t, logs.String(), "from=pyfly.data.relational.url")
}

func bunSettings(t *testing.T, url string) *autoconfig.Settings {
	t.Helper()
	cfg := enabledConfig()
	cfg.Store.Provider = "bun"
	cfg.Snapshot.Provider = "bun"
	cfg.DataRelationalURL = url
	s, err := autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	return s
}

// The constructors work without Fx; the Bun stores bind to their database on Start and refuse
// calls before it and after Close.
func TestWithoutFx(t *testing.T) {
	s := bunSettings(t, testkit.SQLiteFileURL(t))
	dbs, err := autoconfig.NewDatabases(s)
	require.NoError(t, err)
	store, err := autoconfig.NewEventStore(s, dbs, nil)
	require.NoError(t, err)
	snaps, err := autoconfig.NewSnapshotStore(s, dbs)
	require.NoError(t, err)
	require.Nil(t, autoconfig.NewPublisher(s, nil))
	ctx := context.Background()

	require.Nil(t, dbs.EventStoreDB(), "no *bun.DB before Start")
	require.Nil(t, dbs.SnapshotStoreDB())
	_, err = store.Load(ctx, "acc-1", 0)
	require.ErrorIs(t, err, autoconfig.ErrNotStarted)
	require.EqualError(t, err, "eventsourcing: event store used before the application started: its database opens on start (fx.App.Start, or Databases.Start without Fx)")
	_, _, err = snaps.Load(ctx, "acc-1")
	require.ErrorIs(t, err, autoconfig.ErrNotStarted)
	require.ErrorContains(t, err, "eventsourcing: snapshot store used before")
	require.ErrorIs(t, store.(es.Transactor).InTx(ctx, func(context.Context) error { return nil }), autoconfig.ErrNotStarted)

	require.NoError(t, dbs.Start(ctx))
	require.NoError(t, dbs.Start(ctx), "Start is idempotent")
	require.NotNil(t, dbs.EventStoreDB())
	require.Same(t, dbs.EventStoreDB(), dbs.SnapshotStoreDB(), "one URL, one *bun.DB")
	require.IsType(t, &bunstore.EventStore{}, store.(interface{ Unwrap() es.EventStore }).Unwrap())
	require.IsType(t, &bunstore.SnapshotStore{}, snaps.(interface{ Unwrap() es.SnapshotStore }).Unwrap())

	env, err := es.NewEnvelope(opened{Owner: "ann"})
	require.NoError(t, err)
	require.NoError(t, store.Append(ctx, "acc-1", "Account", 0, []es.Envelope{env}))
	require.NoError(t, snaps.Save(ctx, es.Snapshot{AggregateID: "acc-1", AggregateType: "Account", Sequence: 1, Payload: []byte(`{"Owner":"ann"}`), CreatedAt: time.Now()}))

	// A store built after Start binds at once.
	again, err := autoconfig.NewEventStore(s, dbs, nil)
	require.NoError(t, err)
	v, err := again.LatestVersion(ctx, "acc-1")
	require.NoError(t, err)
	require.EqualValues(t, 1, v)

	require.NoError(t, dbs.Close())
	require.NoError(t, dbs.Close(), "Close is idempotent")
	err = dbs.Start(ctx)
	require.ErrorIs(t, err, autoconfig.ErrStopped)
	require.EqualError(t, err, "eventsourcing: databases cannot start again after Close or a failed Start; build new ones with NewDatabases")
	_, err = store.Load(ctx, "acc-1", 0)
	require.ErrorIs(t, err, autoconfig.ErrStopped)
	require.EqualError(t, err, "eventsourcing: event store used after the application stopped: its database is closed")
	_, err = snaps.Delete(ctx, "acc-1")
	require.ErrorIs(t, err, autoconfig.ErrStopped)
	require.Nil(t, store.(interface{ Unwrap() es.EventStore }).Unwrap())
	late, err := autoconfig.NewSnapshotStore(s, dbs)
	require.NoError(t, err)
	_, _, err = late.Load(ctx, "acc-1")
	require.ErrorIs(t, err, autoconfig.ErrStopped, "a store built after Close is stopped")
}

// The module's Bun stores keep transactions: InTx runs the Bun store's, bunstore.TxFrom works in
// it, and the snapshot store on the same database joins it and rolls back with the events.
func TestForwardingStoresKeepTransactions(t *testing.T) {
	s := bunSettings(t, testkit.SQLiteFileURL(t))
	dbs, err := autoconfig.NewDatabases(s)
	require.NoError(t, err)
	store, err := autoconfig.NewEventStore(s, dbs, nil)
	require.NoError(t, err)
	snaps, err := autoconfig.NewSnapshotStore(s, dbs)
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, dbs.Start(ctx))
	t.Cleanup(func() { _ = dbs.Close() })

	errRollback := errors.New("roll back")
	err = store.(es.Transactor).InTx(ctx, func(ctx context.Context) error {
		_, ok := bunstore.TxFrom(ctx)
		require.True(t, ok, "the Bun transaction is in the context")
		require.True(t, store.(es.TxJoiner).JoinsTx(ctx))
		require.True(t, snaps.(es.TxJoiner).JoinsTx(ctx))
		env, err := es.NewEnvelope(opened{Owner: "bob"})
		require.NoError(t, err)
		require.NoError(t, store.Append(ctx, "acc-2", "Account", 0, []es.Envelope{env}))
		require.NoError(t, snaps.Save(ctx, es.Snapshot{AggregateID: "acc-2", AggregateType: "Account", Sequence: 1, Payload: []byte(`{}`), CreatedAt: time.Now()}))
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	v, err := store.LatestVersion(ctx, "acc-2")
	require.NoError(t, err)
	require.Zero(t, v)
	_, ok, err := snaps.Load(ctx, "acc-2")
	require.NoError(t, err)
	require.False(t, ok, "the snapshot rolled back with the events")
	require.False(t, snaps.(es.TxJoiner).JoinsTx(ctx))

	// The repository finds the transaction through the forwarding store.
	_, err = es.NewRepository(store, newAccount, es.WithSnapshots(snaps, 1))
	require.NoError(t, err)
}

type account struct {
	es.AggregateRoot
	Owner string
}

func newAccount() *account {
	a := &account{}
	es.When(a, func(e opened) { a.Owner = e.Owner })
	return a
}

type opened struct{ Owner string }

func TestConstructorMisuse(t *testing.T) {
	s := bunSettings(t, "sqlite::memory:")
	other := bunSettings(t, "sqlite::memory:")
	dbs, err := autoconfig.NewDatabases(s)
	require.NoError(t, err)

	_, err = autoconfig.NewEventStore(other, dbs, nil)
	require.EqualError(t, err, "eventsourcing: NewEventStore: the *Databases were built from other settings; pass the *Settings given to NewDatabases")
	_, err = autoconfig.NewSnapshotStore(s, nil)
	require.EqualError(t, err, "eventsourcing: NewSnapshotStore: a bun store needs the *Databases from NewDatabases, got nil")
	_, err = autoconfig.NewDatabases(nil)
	require.Error(t, err)

	for _, provider := range []string{"memory", "bun"} {
		cfg := enabledConfig()
		cfg.Store.StoreConfig = config.StoreConfig{Provider: provider, URL: "sqlite::memory:"}
		s, err := autoconfig.NewSettings(cfg, discard)
		require.NoError(t, err)
		dbs, err := autoconfig.NewDatabases(s)
		require.NoError(t, err)
		_, err = autoconfig.NewEventStore(s, dbs, autoconfig.Upcasters{es.UpcasterFunc{}, nil})
		require.ErrorIs(t, err, es.ErrInvalidArgument)
		require.EqualError(t, err, "eventsourcing: event store: upcaster 1 of 2 in autoconfig.Upcasters is nil; every upcaster must be set")
	}
}

func TestAutoMigrateRules(t *testing.T) {
	ctx := context.Background()
	no := false
	cfg := enabledConfig()
	cfg.Store.Provider = "bun"
	cfg.Store.URL = testkit.SQLiteFileURL(t)
	cfg.Store.AutoMigrate = &no
	s, err := autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	dbs, err := autoconfig.NewDatabases(s)
	require.NoError(t, err)
	err = dbs.Start(ctx)
	require.ErrorIs(t, err, bunstore.ErrSchema)
	require.EqualError(t, err, "eventsourcing: event store on "+cfg.Store.URL+" (from pyfly.eventsourcing.store.url): table pyfly_event_store does not exist; "+
		"set pyfly.eventsourcing.store.auto-migrate: true (or pyfly.data.relational.ddl-auto: update) to create the tables on start, or run the migrations")
	require.Error(t, dbs.EventStoreDB().PingContext(ctx), "closed after a failed start")

	// One store sets auto-migrate: true on the shared database: it migrates.
	yes := true
	cfg.Snapshot.StoreConfig = config.StoreConfig{Provider: "bun", URL: cfg.Store.URL, AutoMigrate: &yes}
	s, err = autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	dbs, err = autoconfig.NewDatabases(s)
	require.NoError(t, err)
	require.NoError(t, dbs.Start(ctx))
	require.NoError(t, dbs.Close())
}

func TestURLWithMemoryProviderWarns(t *testing.T) {
	var logs bytes.Buffer
	cfg := enabledConfig()
	cfg.Store.URL = "postgres://app:pw@db/app"
	s, err := autoconfig.NewSettings(cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	require.Equal(t, config.ProviderMemory, s.EventStore.Provider)
	require.Contains(t, logs.String(), "level=WARN")
	require.Contains(t, logs.String(), "pyfly.eventsourcing.store.provider is memory")
	require.NotContains(t, logs.String(), ":pw@")
}

// Without auto-migrate, a database is checked for the tables of the stores on it: a schema with
// the event and snapshot tables alone serves an application without an outbox or projections,
// and an enabled outbox needs its table. Before, every table was required.
func TestSchemaCheckCoversTheStoresInUse(t *testing.T) {
	ctx := context.Background()
	url := testkit.SQLiteFileURL(t)
	db, err := bunstore.Open(ctx, url)
	require.NoError(t, err)
	require.NoError(t, bunstore.Migrate(ctx, db))
	for _, table := range []string{bunstore.TableOutbox, bunstore.TableCheckpoints, bunstore.TableLeases, bunstore.TableDeadLetters} {
		_, err := db.DB.ExecContext(ctx, "DROP TABLE "+table)
		require.NoError(t, err)
	}
	require.NoError(t, db.Close())

	no := false
	cfg := enabledConfig()
	cfg.Store.StoreConfig = config.StoreConfig{Provider: "bun", URL: url, AutoMigrate: &no}
	cfg.Snapshot.StoreConfig = config.StoreConfig{Provider: "bun", URL: url}
	s, err := autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	dbs, err := autoconfig.NewDatabases(s)
	require.NoError(t, err)
	require.NoError(t, dbs.Start(ctx), "events and snapshots need only their tables")
	require.NoError(t, dbs.Close())

	cfg.Outbox.Enabled = true
	s, err = autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	dbs, err = autoconfig.NewDatabases(s)
	require.NoError(t, err)
	err = dbs.Start(ctx)
	require.ErrorIs(t, err, bunstore.ErrSchema)
	require.Contains(t, err.Error(), "table pyfly_outbox does not exist")
}
