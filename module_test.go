package eventsourcing_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
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
	"github.com/gofly/eventsourcing/testkit/pgtest"
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

// The configuration error is reachable with errors.As through Fx's wrapping, and reads as the
// module's message alone: the key at fault and what to do.
func TestConfigErrorThroughFx(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		kv        map[string]any
		key, want string
	}{
		"misspelt key": {
			kv:   enabled(map[string]any{"pyfly.eventsourcing.snapshot.intervall": 5}),
			key:  "pyfly.eventsourcing.snapshot.intervall",
			want: "eventsourcing: pyfly.eventsourcing.snapshot.intervall: unknown key; did you mean `pyfly.eventsourcing.snapshot.interval`?",
		},
		"misspelt module key": {
			kv:  map[string]any{"pyfly.event-sourcing.enabled": true, "pyfly.event-sourcing.store.provider": "bun"},
			key: "pyfly.event-sourcing",
			want: "eventsourcing: pyfly.event-sourcing: the module does not read this key; did you mean `pyfly.eventsourcing`? " +
				"The settings under it are ignored, and the module would start on its defaults (in memory)",
		},
		"snapshot interval": {
			kv:   enabled(map[string]any{"pyfly.eventsourcing.snapshot.interval": 0}),
			key:  "pyfly.eventsourcing.snapshot.interval",
			want: "eventsourcing: pyfly.eventsourcing.snapshot.interval: must be 1 or more: a repository takes a snapshot each time a save crosses a multiple of it (default 100), got 0",
		},
	} {
		t.Run(name, func(t *testing.T) {
			app := fx.New(fx.NopLogger, eventsourcing.Module, fx.Supply(keys(t, c.kv)), fx.Invoke(func(es.EventStore) {}))
			err := app.Err()
			require.ErrorIs(t, err, config.ErrInvalidConfig)
			var cfgErr *config.Error
			require.True(t, errors.As(err, &cfgErr), "%v", err)
			require.Equal(t, c.key, cfgErr.Key)
			require.Equal(t, c.want, cfgErr.Error())
			require.Greater(t, len(err.Error()), len(cfgErr.Error()), "Fx adds its own words around it")
		})
	}
}

// A misspelt module key in the application.yaml the module loads itself is an error too, not a
// start on the defaults.
func TestMisspeltModuleKeyInApplicationYAML(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "application.yaml"), []byte("pyfly:\n  eventSourcing:\n    enabled: true\n"), 0o600))
	t.Chdir(dir)
	app := fx.New(fx.NopLogger, eventsourcing.Module, fx.Invoke(func(es.EventStore) {}))
	var cfgErr *config.Error
	require.ErrorAs(t, app.Err(), &cfgErr)
	require.Equal(t, "pyfly.eventSourcing", cfgErr.Key)
	require.NotErrorIs(t, app.Err(), config.ErrDisabled, "not a silent start on the defaults")
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

// readsOnce checks that err ends with want, the module's own message, and that the module's
// prefix appears once in the whole chain (Fx and dig add their own words before it).
func readsOnce(t *testing.T, err error, want string) {
	t.Helper()
	require.Error(t, err)
	require.True(t, strings.HasSuffix(err.Error(), want), "%q\ndoes not end with\n%q", err.Error(), want)
	require.Equal(t, 1, strings.Count(err.Error(), "eventsourcing: "), "one prefix: %s", err)
	require.NotContains(t, err.Error(), "invalid configuration")
}

// Errors read once, name the key at fault and what is valid.
func TestErrorsReadOnce(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		kv   map[string]any
		want string
	}{
		"disabled": {
			kv:   map[string]any{"pyfly.eventsourcing.store.provider": "bun"},
			want: "eventsourcing: the module is disabled; set pyfly.eventsourcing.enabled: true to use its beans",
		},
		"provider": {
			kv:   enabled(map[string]any{"pyfly.eventsourcing.snapshot.provider": "redis"}),
			want: `eventsourcing: pyfly.eventsourcing.snapshot.provider: "redis" is not a known provider; valid values: memory, bun, sqlalchemy (an alias of bun)`,
		},
		"key": {
			kv:   enabled(map[string]any{"pyfly.eventsourcing.store.provder": "bun"}),
			want: "eventsourcing: pyfly.eventsourcing.store.provder: unknown key; did you mean `pyfly.eventsourcing.store.provider`?",
		},
		"type": {
			kv:   enabled(map[string]any{"pyfly.eventsourcing.store.auto-migrate": "sometimes"}),
			want: `eventsourcing: pyfly.eventsourcing.store.auto-migrate: "sometimes" is not a boolean; valid values: true, false (also yes/no, on/off, y/n, 1/0, in any case)`,
		},
		"both spellings": {
			kv: enabled(map[string]any{"pyfly.eventsourcing.store.auto-migrate": true, "pyfly.eventsourcing.store.auto_migrate": false}),
			want: "eventsourcing: pyfly.eventsourcing.store.auto-migrate: set to true while pyfly.eventsourcing.store.auto_migrate is set to false; " +
				"the two spell one setting: keep pyfly.eventsourcing.store.auto-migrate only",
		},
		"url": {
			kv: enabled(map[string]any{"pyfly.eventsourcing.store.provider": "bun", "pyfly.data.relational.url": "mysql://root:hunter2@db/app"}),
			want: `eventsourcing: pyfly.data.relational.url: unusable by the event store (pyfly.eventsourcing.store.provider is bun): ` +
				`database URL "mysql://root:xxxxx@db/app": unsupported scheme mysql://; valid forms: postgres://, postgresql://, postgresql+asyncpg://, ` +
				`postgresql+psycopg:// (PostgreSQL); sqlite:///relative/path, sqlite:////absolute/path, sqlite+aiosqlite:///path, sqlite::memory:, sqlite:///:memory: (SQLite)`,
		},
		"outbox option": {
			kv:   enabled(map[string]any{"pyfly.eventsourcing.outbox.enabled": true, "pyfly.eventsourcing.outbox.batch-size": 20000}),
			want: "eventsourcing: pyfly.eventsourcing.outbox.batch-size: must be from 1 to 10000, got 20000",
		},
		"outbox options together": {
			kv: enabled(map[string]any{"pyfly.eventsourcing.outbox.enabled": true, "pyfly.eventsourcing.outbox.claim-timeout": "10s"}),
			want: "eventsourcing: pyfly.eventsourcing.outbox.claim-timeout: the claim timeout (10s) must be longer than the publish timeout (30s): " +
				"a relay starts a publish only when it can end before its claim does",
		},
		"outbox backoff": {
			kv:   enabled(map[string]any{"pyfly.eventsourcing.outbox.enabled": true, "pyfly.eventsourcing.outbox.backoff-initial": "2m"}),
			want: "eventsourcing: pyfly.eventsourcing.outbox.backoff-initial: initial (2m0s) must not exceed max (30s)",
		},
		"projection option": {
			kv:   enabled(map[string]any{"pyfly.eventsourcing.projection.lease-ttl": "1ms"}),
			want: "eventsourcing: pyfly.eventsourcing.projection.lease-ttl: must be from 10ms to 24h0m0s, got 1ms",
		},
		"projection retry": {
			kv:   enabled(map[string]any{"pyfly.eventsourcing.projection.retry-initial": "2m"}),
			want: "eventsourcing: pyfly.eventsourcing.projection.retry-initial: needs 0 < initial ≤ max, got initial 2m0s, max 1m0s",
		},
		"dead letters": {
			kv:   enabled(map[string]any{"pyfly.eventsourcing.projection.dead-letter-after": 3000000000}),
			want: "eventsourcing: pyfly.eventsourcing.projection.dead-letter-after: must be from 1 to 2147483647, got 3000000000",
		},
	} {
		t.Run(name, func(t *testing.T) {
			app, _ := newApp(keys(t, c.kv), &beans{})
			readsOnce(t, app.Err(), c.want)
		})
	}
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

	// A concrete type that is not provided as message.Publisher is not picked up: the start log
	// says so, naming the type and how to provide it.
	b, logs := startApp(t, keys(t, enabled(nil)), fx.Supply(ps))
	require.Nil(t, b.Publisher)
	require.Contains(t, logs.String(), `level=WARN msg="eventsourcing: the Fx graph has a Watermill publisher of type *gochannel.GoChannel, `+
		`but the module asks for exactly message.Publisher, so *eda.Publisher is nil; provide it as fx.As(new(message.Publisher))`)
	require.Equal(t, 1, strings.Count(logs.String(), "*eda.Publisher is nil"))
}

// Why the publisher is nil is logged once at start: a warning per Watermill publisher the graph
// holds under another type (found by name in fx.DotGraph, never built for it), else one info line.
func TestNilPublisherIsExplainedAtStart(t *testing.T) {
	t.Parallel()
	var b beans
	app, logs := newApp(keys(t, enabled(nil)), &b)
	require.NoError(t, app.Err())
	require.NotContains(t, logs.String(), "Publisher", "nothing is logged before start")
	ctx := context.Background()
	require.NoError(t, app.Start(ctx))
	require.NoError(t, app.Stop(ctx))
	require.Contains(t, logs.String(), `level=INFO msg="eventsourcing: no message.Publisher in the Fx graph: *eda.Publisher is nil and stored events are not published to Watermill" destination=pyfly.events`)
	require.Equal(t, 1, strings.Count(logs.String(), "*eda.Publisher is nil"))

	ps := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{})
	t.Cleanup(func() { _ = ps.Close() })
	_, logs = startApp(t, keys(t, enabled(nil)),
		fx.Provide(func() (*wmsql.Publisher, error) { return nil, errors.New("never built: only its name is read") }),
		fx.Provide(fx.Annotate(func() *gochannel.GoChannel { return ps }, fx.As(new(message.Publisher)), fx.ResultTags(`name:"events"`))),
	)
	require.Contains(t, logs.String(), "of type *sql.Publisher, but the module asks for exactly message.Publisher")
	require.Contains(t, logs.String(), "of type message.Publisher[name=events], but the module asks for exactly message.Publisher, so *eda.Publisher is nil; "+
		"the module takes the message.Publisher with no name or group")
	require.NotContains(t, logs.String(), "no message.Publisher in the Fx graph")

	_, logs = startApp(t, keys(t, enabled(nil)), fx.Provide(fx.Annotate(func() *gochannel.GoChannel { return ps }, fx.As(new(message.Publisher)))))
	require.NotContains(t, logs.String(), "*eda.Publisher is nil", "nothing to explain")
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
		missing := filepath.Join(dir, "missing.yaml")
		t.Setenv("PYFLY_CONFIG", missing)
		app, _ := newApp(nil, &beans{})
		require.ErrorIs(t, app.Err(), config.ErrInvalidConfig)
		readsOnce(t, app.Err(), "eventsourcing: config file "+missing+" (from PYFLY_CONFIG): cannot be read: no such file or directory")
	})
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	for _, provider := range []string{"bun", "sqlalchemy"} {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			url := pgtest.Start(t)
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
	require.Contains(t, err.Error(), "eventsourcing: event store: cannot reach the database "+
		"postgresql://app:xxxxx@127.0.0.1:1/app?connect_timeout=2 (from pyfly.eventsourcing.store.url): ")
	require.Equal(t, 1, strings.Count(err.Error(), "eventsourcing: "), "one prefix: %s", err)
	require.NotContains(t, err.Error(), "s3cr3t-pw")
	require.NotContains(t, logs.String(), "s3cr3t-pw")
	require.Contains(t, logs.String(), "app:xxxxx@")
}

// A SQLite URL whose directory does not exist fails the start with the directory and the key,
// not SQLite's "unable to open database file".
func TestStartNamesTheMissingSQLiteDirectory(t *testing.T) {
	dir := filepath.ToSlash(filepath.Join(t.TempDir(), "nodir", "sub"))
	app, _ := newApp(keys(t, enabled(map[string]any{
		"pyfly.eventsourcing.store.provider": "bun",
		"pyfly.eventsourcing.store.url":      "sqlite:///" + dir + "/app.db",
	})), &beans{})
	require.NoError(t, app.Err())
	err := app.Start(context.Background())
	require.EqualError(t, err, "eventsourcing: event store: cannot reach the database sqlite:///"+dir+"/app.db (from pyfly.eventsourcing.store.url): "+
		"directory "+dir+" does not exist; create it, or change the URL")
	_, statErr := os.Stat(dir)
	require.True(t, os.IsNotExist(statErr))
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

// The Bun stores are built with the application but bind to their database on start: before
// start and after stop they refuse calls with an error saying so; *bun.DB handles appear on start.
func TestBunStoresBindOnStart(t *testing.T) {
	t.Parallel()
	var b beans
	url := testkit.SQLiteFileURL(t)
	app, _ := newApp(keys(t, enabled(map[string]any{
		"pyfly.eventsourcing.store.provider":    "bun",
		"pyfly.eventsourcing.snapshot.provider": "bun",
		"pyfly.data.relational.url":             url,
	})), &b)
	require.NoError(t, app.Err())
	ctx := context.Background()
	require.Implements(t, (*es.Transactor)(nil), b.Store)
	require.Implements(t, (*es.TxJoiner)(nil), b.Store)
	require.Implements(t, (*es.CommitNotifier)(nil), b.Store)
	require.Implements(t, (*es.TxJoiner)(nil), b.Snapshots)
	require.Nil(t, b.DBs.EventStoreDB(), "nil before start")
	require.NoFileExists(t, strings.TrimPrefix(url, "sqlite:///"), "nothing opened before start")
	_, err := b.Store.LatestVersion(ctx, "agg-1")
	require.ErrorIs(t, err, autoconfig.ErrNotStarted)
	require.EqualError(t, err, "eventsourcing: event store used before the application started: its database opens on start (fx.App.Start, or Databases.Start without Fx)")

	require.NoError(t, app.Start(ctx))
	roundTrip(t, b.Store)
	require.NotNil(t, b.DBs.EventStoreDB())
	require.Same(t, b.DBs.EventStoreDB(), bunEvents(t, b.Store).(*bunstore.EventStore).DB())

	// A repository on the module's stores saves events and snapshot in one transaction.
	repo, err := es.NewRepository(b.Store, newOrder, es.WithSnapshots(b.Snapshots, 1))
	require.NoError(t, err)
	o := newOrder()
	o.ID = "order-7"
	require.NoError(t, o.Apply(OrderPlaced{Amount: 7}))
	require.NoError(t, b.Store.(es.Transactor).InTx(ctx, func(ctx context.Context) error {
		_, ok := bunstore.TxFrom(ctx)
		require.True(t, ok)
		require.True(t, b.Snapshots.(es.TxJoiner).JoinsTx(ctx))
		return repo.Save(ctx, o)
	}))
	_, ok, err := b.Snapshots.Load(ctx, "order-7")
	require.NoError(t, err)
	require.True(t, ok)

	require.NoError(t, app.Stop(ctx))
	_, _, err = b.Snapshots.Load(ctx, "order-7")
	require.ErrorIs(t, err, autoconfig.ErrStopped)
	require.EqualError(t, err, "eventsourcing: snapshot store used after the application stopped: its database is closed")
}
