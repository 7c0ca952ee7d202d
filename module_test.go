package eventsourcing_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/gofly/eventsourcing"
	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

func TestValidateApp(t *testing.T) {
	require.NoError(t, fx.ValidateApp(fx.NopLogger, eventsourcing.Module))
	require.NoError(t, fx.ValidateApp(fx.NopLogger, eventsourcing.Module, fx.Invoke(func(beans) {})))
}

func TestDefaultsGiveMemoryStoresAndNoPublisher(t *testing.T) {
	t.Parallel()
	b, logs := startApp(t, keys(t, enabled(nil)))
	require.IsType(t, &memory.EventStore{}, b.Store)
	require.IsType(t, &memory.SnapshotStore{}, b.Snapshots)
	require.Nil(t, b.Publisher, "no message.Publisher in the graph")
	require.Nil(t, b.DBs.EventStoreDB())
	require.Nil(t, b.DBs.SnapshotStoreDB())
	require.Contains(t, logs.String(), "in memory")
	roundTrip(t, b.Store)
}

func TestDisabled(t *testing.T) {
	t.Parallel()
	for name, k := range map[string]map[string]any{
		"default":  nil,
		"explicit": {"pyfly.eventsourcing.enabled": false},
	} {
		t.Run(name, func(t *testing.T) {
			app, _ := newApp(keys(t, k), &beans{})
			err := app.Err()
			require.Error(t, err)
			require.ErrorIs(t, err, config.ErrDisabled)
			require.Contains(t, err.Error(), "set pyfly.eventsourcing.enabled: true")
		})
	}
	t.Run("each bean", func(t *testing.T) {
		for _, invoke := range []any{
			func(es.EventStore) {}, func(es.SnapshotStore) {}, func(*eda.Publisher) {},
		} {
			app := fx.New(fx.NopLogger, eventsourcing.Module, fx.Supply(keys(t, nil)), fx.Invoke(invoke))
			require.ErrorIs(t, app.Err(), config.ErrDisabled)
		}
	})
	t.Run("nobody asks", func(t *testing.T) {
		app := fx.New(fx.NopLogger, eventsourcing.Module, fx.Supply(keys(t, nil)))
		require.NoError(t, app.Err())
		require.NoError(t, app.Start(context.Background()))
		require.NoError(t, app.Stop(context.Background()))
	})
}

func TestUnknownProvider(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"store", "snapshot"} {
		app, _ := newApp(keys(t, enabled(map[string]any{"pyfly.eventsourcing." + key + ".provider": "redis"})), &beans{})
		err := app.Err()
		require.ErrorIs(t, err, config.ErrInvalidConfig)
		require.Contains(t, err.Error(), "pyfly.eventsourcing."+key+".provider")
		require.Contains(t, err.Error(), `"redis"`)
		require.Contains(t, err.Error(), "valid values: memory, bun, sqlalchemy")
		require.ErrorIs(t, app.Start(context.Background()), config.ErrInvalidConfig, "the application never starts")
	}
}

func TestUnknownKey(t *testing.T) {
	t.Parallel()
	app, _ := newApp(keys(t, enabled(map[string]any{"pyfly.eventsourcing.store.provder": "bun"})), &beans{})
	require.ErrorIs(t, app.Err(), config.ErrInvalidConfig)
	require.Contains(t, app.Err().Error(), "pyfly.eventsourcing.store.provder")
}

func TestBadURLNamesKeyWithoutPassword(t *testing.T) {
	t.Parallel()
	app, _ := newApp(keys(t, enabled(map[string]any{
		"pyfly.eventsourcing.store.provider": "bun",
		"pyfly.data.relational.url":          "mysql://root:hunter2@db/app",
	})), &beans{})
	err := app.Err()
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.Contains(t, err.Error(), "pyfly.data.relational.url")
	require.NotContains(t, err.Error(), "hunter2")
}

func TestBunAndSQLAlchemyOnSQLite(t *testing.T) {
	t.Parallel()
	for _, provider := range []string{"bun", "sqlalchemy", " BUN "} {
		t.Run(strings.TrimSpace(provider), func(t *testing.T) {
			t.Parallel()
			url := testkit.SQLiteFileURL(t)
			b, logs := startApp(t, keys(t, enabled(map[string]any{
				"pyfly.eventsourcing.store.provider":    provider,
				"pyfly.eventsourcing.store.url":         url,
				"pyfly.eventsourcing.snapshot.provider": provider,
				"pyfly.eventsourcing.snapshot.url":      url,
			})))
			require.IsType(t, &bunstore.EventStore{}, bunEvents(t, b.Store))
			require.IsType(t, &bunstore.SnapshotStore{}, bunSnapshots(t, b.Snapshots))
			require.Same(t, b.DBs.EventStoreDB(), b.DBs.SnapshotStoreDB(), "one URL, one *bun.DB")
			require.Contains(t, logs.String(), strings.TrimPrefix(url, "sqlite:///"))
			require.Contains(t, logs.String(), "pyfly.eventsourcing.store.url")
			roundTrip(t, b.Store) // migrated on start: SQLite default
			ctx := context.Background()
			require.NoError(t, b.Snapshots.Save(ctx, es.Snapshot{AggregateID: "agg-1", AggregateType: "Thing", Sequence: 1, Payload: []byte(`{}`), CreatedAt: time.Now()}))
			_, ok, err := b.Snapshots.Load(ctx, "agg-1")
			require.NoError(t, err)
			require.True(t, ok)
		})
	}
}

func TestMixedProvidersAndSeparateDatabases(t *testing.T) {
	t.Parallel()
	b, _ := startApp(t, keys(t, enabled(map[string]any{
		"pyfly.eventsourcing.snapshot.provider": "bun",
		"pyfly.eventsourcing.snapshot.url":      "sqlite::memory:",
	})))
	require.IsType(t, &memory.EventStore{}, b.Store)
	require.IsType(t, &bunstore.SnapshotStore{}, bunSnapshots(t, b.Snapshots))
	require.Nil(t, b.DBs.EventStoreDB())
	require.NotNil(t, b.DBs.SnapshotStoreDB())

	b, _ = startApp(t, keys(t, enabled(map[string]any{
		"pyfly.eventsourcing.store.provider":    "bun",
		"pyfly.eventsourcing.store.url":         testkit.SQLiteFileURL(t),
		"pyfly.eventsourcing.snapshot.provider": "bun",
		"pyfly.data.relational.url":             testkit.SQLiteFileURL(t),
	})))
	require.NotSame(t, b.DBs.EventStoreDB(), b.DBs.SnapshotStoreDB())
}

func TestURLChain(t *testing.T) {
	t.Run("store url", func(t *testing.T) {
		t.Parallel()
		own, shared := testkit.SQLiteFileURL(t), testkit.SQLiteFileURL(t)
		_, logs := startApp(t, keys(t, enabled(map[string]any{
			"pyfly.eventsourcing.store.provider": "bun",
			"pyfly.eventsourcing.store.url":      own,
			"pyfly.data.relational.url":          shared,
		})))
		require.FileExists(t, strings.TrimPrefix(own, "sqlite:///"))
		require.NoFileExists(t, strings.TrimPrefix(shared, "sqlite:///"))
		require.Contains(t, logs.String(), "from=pyfly.eventsourcing.store.url")
	})
	t.Run("pyfly.data.relational.url", func(t *testing.T) {
		t.Parallel()
		shared := testkit.SQLiteFileURL(t)
		_, logs := startApp(t, keys(t, enabled(map[string]any{
			"pyfly.eventsourcing.store.provider":    "sqlalchemy",
			"pyfly.eventsourcing.snapshot.provider": "sqlalchemy",
			"pyfly.data.relational.url":             shared,
		})))
		require.FileExists(t, strings.TrimPrefix(shared, "sqlite:///"))
		require.Contains(t, logs.String(), "from=pyfly.data.relational.url")
	})
	t.Run("default ./app.db", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		b, logs := startApp(t, keys(t, enabled(map[string]any{
			"pyfly.eventsourcing.store.provider":    "bun",
			"pyfly.eventsourcing.snapshot.provider": "bun",
		})))
		require.FileExists(t, filepath.Join(dir, "app.db"))
		require.Same(t, b.DBs.EventStoreDB(), b.DBs.SnapshotStoreDB())
		require.Contains(t, logs.String(), "level=INFO")
		require.Contains(t, logs.String(), filepath.Join(dir, "app.db"))
		require.Contains(t, logs.String(), "neither pyfly.eventsourcing.store.url nor pyfly.data.relational.url is set")
		roundTrip(t, b.Store)
	})
}

func TestDatabaseClosedOnStop(t *testing.T) {
	t.Parallel()
	var b beans
	app, _ := newApp(keys(t, enabled(map[string]any{
		"pyfly.eventsourcing.store.provider": "bun",
		"pyfly.eventsourcing.store.url":      testkit.SQLiteFileURL(t),
	})), &b)
	require.NoError(t, app.Err())
	ctx := context.Background()
	require.NoError(t, app.Start(ctx))
	require.NoError(t, b.DBs.EventStoreDB().PingContext(ctx))
	require.NoError(t, app.Stop(ctx))
	err := b.DBs.EventStoreDB().PingContext(ctx)
	require.Error(t, err)
	require.Contains(t, err.Error(), "database is closed")
}

func TestPublisher(t *testing.T) {
	t.Parallel()
	ps := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{})
	t.Cleanup(func() { _ = ps.Close() })
	provide := fx.Provide(fx.Annotate(func() *gochannel.GoChannel { return ps }, fx.As(new(message.Publisher))))

	b, _ := startApp(t, keys(t, enabled(nil)), provide)
	require.NotNil(t, b.Publisher)
	require.Equal(t, "pyfly.events", b.Publisher.Destination())

	b, _ = startApp(t, keys(t, enabled(map[string]any{"pyfly.eventsourcing.eda.destination": "orders.events"})), provide)
	require.Equal(t, "orders.events", b.Publisher.Destination())

	// A concrete type that is not provided as message.Publisher is not picked up.
	b, _ = startApp(t, keys(t, enabled(nil)), fx.Supply(ps))
	require.Nil(t, b.Publisher)
}

func TestEnvOverridesYAML(t *testing.T) {
	t.Parallel()
	k, err := config.LoadKoanf(
		config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    enabled: true\n    eda:\n      destination: from-yaml\n    store:\n      provider: bun\n      url: sqlite:///nowhere/x.db\n")),
		config.WithEnviron(func() []string {
			return []string{"PYFLY_EVENTSOURCING_EDA_DESTINATION=from-env", "PYFLY_EVENTSOURCING_STORE_PROVIDER=memory"}
		}),
	)
	require.NoError(t, err)
	ps := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{})
	t.Cleanup(func() { _ = ps.Close() })
	b, _ := startApp(t, k, fx.Provide(fx.Annotate(func() *gochannel.GoChannel { return ps }, fx.As(new(message.Publisher)))))
	require.Equal(t, "from-env", b.Publisher.Destination())
	require.IsType(t, &memory.EventStore{}, b.Store)
}

// The module loads its own configuration when the graph has no *koanf.Koanf: application.yaml in
// the working directory, then the environment.
func TestModuleLoadsItsOwnConfiguration(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile("application.yaml", []byte("pyfly:\n  eventsourcing:\n    enabled: true\n    snapshot:\n      provider: bun\n      url: \"sqlite::memory:\"\n"), 0o600))
	t.Setenv("PYFLY_EVENTSOURCING_STORE_PROVIDER", "sqlalchemy")
	t.Setenv("PYFLY_EVENTSOURCING_STORE_URL", "sqlite:///./events.db")
	b, _ := startApp(t, nil)
	require.IsType(t, &bunstore.EventStore{}, bunEvents(t, b.Store))
	require.IsType(t, &bunstore.SnapshotStore{}, bunSnapshots(t, b.Snapshots))
	require.FileExists(t, filepath.Join(dir, "events.db"))

	t.Run("malformed YAML names the file and line", func(t *testing.T) {
		require.NoError(t, os.WriteFile("application.yaml", []byte("pyfly:\n  eventsourcing:\n    enabled: true\n    store: x: y\n"), 0o600))
		app, _ := newApp(nil, &beans{})
		require.ErrorIs(t, app.Err(), config.ErrInvalidConfig)
		require.Contains(t, app.Err().Error(), "application.yaml")
		require.Contains(t, app.Err().Error(), "line 4")
	})
	t.Run("PYFLY_CONFIG names a missing file", func(t *testing.T) {
		t.Setenv("PYFLY_CONFIG", filepath.Join(dir, "missing.yaml"))
		app, _ := newApp(nil, &beans{})
		require.ErrorIs(t, app.Err(), config.ErrInvalidConfig)
		require.Contains(t, app.Err().Error(), "missing.yaml")
	})
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	for _, provider := range []string{"bun", "sqlalchemy"} {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			url := testkit.StartPostgres(t)
			t.Run("schema missing without auto_migrate", func(t *testing.T) {
				var b beans
				app, _ := newApp(keys(t, enabled(map[string]any{
					"pyfly.eventsourcing.store.provider": provider,
					"pyfly.data.relational.url":          url,
				})), &b)
				require.NoError(t, app.Err())
				err := app.Start(context.Background())
				require.Error(t, err)
				require.Contains(t, err.Error(), "pyfly.eventsourcing.store.auto-migrate: true")
				require.Contains(t, err.Error(), "event store")
				require.Error(t, b.DBs.EventStoreDB().PingContext(context.Background()), "closed after a failed start")
			})
			asyncpg := strings.Replace(url, "postgres://", "postgresql+asyncpg://", 1)
			b, logs := startApp(t, keys(t, enabled(map[string]any{
				"pyfly.eventsourcing.store.provider":     provider,
				"pyfly.eventsourcing.store.auto_migrate": true,
				"pyfly.eventsourcing.snapshot.provider":  provider,
				"pyfly.data.relational.url":              asyncpg,
			})))
			require.IsType(t, &bunstore.EventStore{}, bunEvents(t, b.Store))
			require.IsType(t, &bunstore.SnapshotStore{}, bunSnapshots(t, b.Snapshots))
			require.Same(t, b.DBs.EventStoreDB(), b.DBs.SnapshotStoreDB())
			require.Contains(t, logs.String(), "PostgreSQL")
			roundTrip(t, b.Store)
		})
	}
}

func TestUnreachableDatabaseFailsStartWithoutPassword(t *testing.T) {
	t.Parallel()
	var b beans
	app, logs := newApp(keys(t, enabled(map[string]any{
		"pyfly.eventsourcing.store.provider": "bun",
		"pyfly.eventsourcing.store.url":      "postgresql://app:s3cr3t-pw@127.0.0.1:1/app?connect_timeout=2",
	})), &b)
	require.NoError(t, app.Err(), "no I/O before start")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := app.Start(ctx)
	require.Error(t, err)
	require.Contains(t, err.Error(), "cannot reach the database")
	require.Contains(t, err.Error(), "pyfly.eventsourcing.store.url")
	require.NotContains(t, err.Error(), "s3cr3t-pw")
	require.NotContains(t, logs.String(), "s3cr3t-pw")
	require.Contains(t, logs.String(), "app:xxxxx@")
}

func TestUpcasters(t *testing.T) {
	t.Parallel()
	rename := func(from, to string) es.Upcaster {
		return es.UpcasterFunc{
			Match: func(e es.Envelope) bool { return e.EventType == from },
			Fn: func(e es.Envelope) (es.Envelope, error) {
				e.EventType = to
				return e, nil
			},
		}
	}
	for _, provider := range []string{"memory", "bun"} {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			b, _ := startApp(t, keys(t, enabled(map[string]any{
				"pyfly.eventsourcing.store.provider": provider,
				"pyfly.eventsourcing.store.url":      "sqlite::memory:",
			})), fx.Supply(autoconfig.Upcasters{rename("thingHappened", "v2"), rename("v2", "v3")}))
			ctx := context.Background()
			env, err := es.NewEnvelope(thingHappened{N: 1})
			require.NoError(t, err)
			require.NoError(t, b.Store.Append(ctx, "agg-1", "Thing", 0, []es.Envelope{env}))
			got, err := b.Store.Load(ctx, "agg-1", 0)
			require.NoError(t, err)
			require.Equal(t, "v3", got[0].EventType, "applied in order")
		})
	}
}
