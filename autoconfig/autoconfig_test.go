package autoconfig_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/gofly/eventsourcing"
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

func TestNewSettingsGate(t *testing.T) {
	_, err := autoconfig.NewSettings(config.Default(), nil)
	require.ErrorIs(t, err, config.ErrDisabled)
	require.Contains(t, err.Error(), "pyfly.eventsourcing.enabled: true")

	cfg := enabledConfig()
	cfg.Snapshot.Provider = "mongo"
	_, err = autoconfig.NewSettings(cfg, nil)
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.Contains(t, err.Error(), "pyfly.eventsourcing.snapshot.provider")

	cfg = enabledConfig()
	cfg.Store.Provider = "bun"
	cfg.Store.URL = "oracle://scott:tiger@db/x"
	_, err = autoconfig.NewSettings(cfg, nil)
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	require.Contains(t, err.Error(), "pyfly.eventsourcing.store.url")
	require.NotContains(t, err.Error(), "tiger")
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

// The constructors work without Fx.
func TestWithoutFx(t *testing.T) {
	cfg := enabledConfig()
	cfg.Store.Provider = "bun"
	cfg.Snapshot.Provider = "bun"
	cfg.DataRelationalURL = testkit.SQLiteFileURL(t)
	s, err := autoconfig.NewSettings(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	dbs, err := autoconfig.NewDatabases(s)
	require.NoError(t, err)
	store, err := autoconfig.NewEventStore(s, dbs)
	require.NoError(t, err)
	snaps, err := autoconfig.NewSnapshotStore(s, dbs)
	require.NoError(t, err)
	require.Nil(t, autoconfig.NewPublisher(s, nil))
	ctx := context.Background()
	require.NoError(t, dbs.Start(ctx))
	require.NoError(t, dbs.Start(ctx), "Start is idempotent")

	type Opened struct{ Owner string }
	env, err := es.NewEnvelope(Opened{Owner: "ann"})
	require.NoError(t, err)
	require.NoError(t, store.Append(ctx, "acc-1", "Account", 0, []es.Envelope{env}))
	require.NoError(t, snaps.Save(ctx, es.Snapshot{AggregateID: "acc-1", AggregateType: "Account", Sequence: 1, Payload: []byte(`{"Owner":"ann"}`), CreatedAt: time.Now()}))

	require.NoError(t, dbs.Close())
	require.NoError(t, dbs.Close(), "Close is idempotent")
	require.Error(t, dbs.Start(ctx), "no start after close")
	_, err = store.Load(ctx, "acc-1", 0)
	require.Error(t, err, "closed")
}

func TestAutoMigrateRules(t *testing.T) {
	ctx := context.Background()
	no := false
	cfg := enabledConfig()
	cfg.Store.Provider = "bun"
	cfg.Store.URL = testkit.SQLiteFileURL(t)
	cfg.Store.AutoMigrate = &no
	s, err := autoconfig.NewSettings(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	dbs, err := autoconfig.NewDatabases(s)
	require.NoError(t, err)
	err = dbs.Start(ctx)
	require.Error(t, err, "auto_migrate: false on a fresh SQLite file: the tables are missing")
	require.Contains(t, err.Error(), "pyfly.eventsourcing.store.auto-migrate: true")
	require.Contains(t, err.Error(), "pyfly_event_store")

	// One store sets auto_migrate: true on the shared database: it migrates.
	yes := true
	cfg.Snapshot = config.StoreConfig{Provider: "bun", URL: cfg.Store.URL, AutoMigrate: &yes}
	s, err = autoconfig.NewSettings(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	dbs, err = autoconfig.NewDatabases(s)
	require.NoError(t, err)
	require.NoError(t, dbs.Start(ctx))
	require.NoError(t, dbs.Close())
}

// openers counts database/sql connection-opener goroutines: one per open *sql.DB.
func openers() int {
	buf := make([]byte, 1<<22)
	n := runtime.Stack(buf, true)
	return strings.Count(string(buf[:n]), "database/sql.(*DB).connectionOpener")
}

// waitOpeners collects garbage until at most want openers remain, or a few seconds pass.
func waitOpeners(want int) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		got := openers()
		if got <= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A bad configuration fails fx.New before any database is built, and an application that fails
// to build after the module built its databases leaks nothing once it is dropped.
func TestFailedAppLeaksNothing(t *testing.T) {
	before := waitOpeners(0)
	kv := map[string]any{
		"pyfly.eventsourcing.enabled":           true,
		"pyfly.eventsourcing.store.provider":    "bun",
		"pyfly.eventsourcing.snapshot.provider": "bun",
		"pyfly.eventsourcing.snapshot.url":      "sqlite::memory:",
		"pyfly.data.relational.url":             testkit.SQLiteFileURL(t),
	}
	errDownstream := errors.New("downstream constructor failed")
	for i := 0; i < 5; i++ {
		app := fx.New(fx.NopLogger, eventsourcing.Module, fx.Supply(koanfOf(t, kv)),
			fx.Invoke(func(es.EventStore, es.SnapshotStore) error { return errDownstream }))
		require.ErrorIs(t, app.Err(), errDownstream)
	}
	require.Equal(t, before, waitOpeners(before), "every *sql.DB of a failed application is closed")

	bad := map[string]any{"pyfly.eventsourcing.enabled": true, "pyfly.eventsourcing.store.provider": "bun", "pyfly.eventsourcing.snapshot.provider": "nope"}
	app := fx.New(fx.NopLogger, eventsourcing.Module, fx.Supply(koanfOf(t, bad)), fx.Invoke(func(es.EventStore) {}))
	require.ErrorIs(t, app.Err(), config.ErrInvalidConfig)
	require.Equal(t, before, openers(), "a bad configuration builds no database")
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
