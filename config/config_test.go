package config_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

func environ(kv ...string) config.Option {
	return config.WithEnviron(func() []string { return kv })
}

func TestDefaults(t *testing.T) {
	cfg, err := config.Load(config.WithDir(t.TempDir()), environ())
	require.NoError(t, err)
	require.Equal(t, config.Default(), cfg)
	require.False(t, cfg.Enabled)
	require.Equal(t, "memory", cfg.Store.Provider)
	require.Equal(t, "memory", cfg.Snapshot.Provider)
	require.Equal(t, "pyfly.events", cfg.EDA.Destination)
	require.ErrorIs(t, cfg.RequireEnabled(), config.ErrDisabled)
	require.Contains(t, cfg.RequireEnabled().Error(), "pyfly.eventsourcing.enabled: true")
}

func TestYAMLThenEnv(t *testing.T) {
	yaml := []byte(`
pyfly:
  eventsourcing:
    enabled: true
    store:
      provider: sqlalchemy
      url: postgresql+asyncpg://u:p@h/db
      auto_migrate: false
    snapshot:
      provider: memory
    eda:
      destination: orders
  data:
    relational:
      url: sqlite:///./data.db
`)
	cfg, err := config.Load(config.WithYAML(yaml), environ(
		"PYFLY_EVENTSOURCING_SNAPSHOT_PROVIDER=bun",
		"PYFLY_EVENTSOURCING_SNAPSHOT_AUTO__MIGRATE=true",
		"PYFLY_EVENTSOURCING_STORE_URL=postgres://u:p@h/db?options=a,b",
		"OTHER_VAR=x",
	))
	require.NoError(t, err)
	require.True(t, cfg.Enabled)
	require.Equal(t, "bun", cfg.Store.Provider)
	require.Equal(t, "postgres://u:p@h/db?options=a,b", cfg.Store.URL, "env wins and is not split on commas")
	require.NotNil(t, cfg.Store.AutoMigrate)
	require.False(t, *cfg.Store.AutoMigrate)
	require.Equal(t, "bun", cfg.Snapshot.Provider)
	require.True(t, *cfg.Snapshot.AutoMigrate)
	require.Equal(t, "orders", cfg.EDA.Destination)
	require.Equal(t, "sqlite:///./data.db", cfg.DataRelationalURL)
}

func TestURLChain(t *testing.T) {
	cfg := config.Default()
	require.Equal(t, config.ResolvedURL{URL: "sqlite:///./app.db"}, cfg.StoreURL())
	cfg.DataRelationalURL = "postgres://h/db"
	require.Equal(t, config.ResolvedURL{URL: "postgres://h/db", Key: "pyfly.data.relational.url"}, cfg.SnapshotURL())
	cfg.Store.URL = "sqlite:///./es.db"
	require.Equal(t, config.ResolvedURL{URL: "sqlite:///./es.db", Key: "pyfly.eventsourcing.store.url"}, cfg.StoreURL())
	require.Equal(t, "pyfly.data.relational.url", cfg.SnapshotURL().Key)
}

func TestDefaultFileAndPYFLYCONFIG(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "application.yaml"), []byte("pyfly:\n  eventsourcing:\n    enabled: true\n"), 0o600))
	cfg, err := config.Load(config.WithDir(dir), environ())
	require.NoError(t, err)
	require.True(t, cfg.Enabled)

	other := filepath.Join(t.TempDir(), "es.yaml")
	require.NoError(t, os.WriteFile(other, []byte("pyfly:\n  eventsourcing:\n    eda:\n      destination: x\n"), 0o600))
	cfg, err = config.Load(config.WithDir(dir), environ("PYFLY_CONFIG="+other))
	require.NoError(t, err)
	require.False(t, cfg.Enabled, "PYFLY_CONFIG replaces application.yaml")
	require.Equal(t, "x", cfg.EDA.Destination)

	_, err = config.Load(config.WithDir(dir), environ("PYFLY_CONFIG=/nonexistent/es.yaml"))
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.Contains(t, err.Error(), "/nonexistent/es.yaml")
}

func TestUnknownKeyIsNamed(t *testing.T) {
	_, err := config.Load(config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    store:\n      provder: bun\n")), environ())
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.Contains(t, err.Error(), "pyfly.eventsourcing.store.provder")
	require.Contains(t, err.Error(), "pyfly.eventsourcing.store.provider")

	_, err = config.Load(config.WithoutEnv(), config.WithYAML(nil), environ("PYFLY_EVENTSOURCING_ENABLD=true"))
	require.NoError(t, err, "WithoutEnv ignores the environment")
	_, err = config.Load(config.WithYAML(nil), environ("PYFLY_EVENTSOURCING_ENABLD=true"))
	require.ErrorContains(t, err, "pyfly.eventsourcing.enabld")

	_, err = config.Load(config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    Enabled: true\n")), environ())
	require.ErrorContains(t, err, "pyfly.eventsourcing.Enabled", "keys are case-sensitive")

	_, err = config.Load(config.WithYAML(nil), environ("PYFLY_DATA_RELATIONAL_POOL=3"))
	require.NoError(t, err, "keys outside pyfly.eventsourcing belong to others")
}

func TestWrongTypeIsNamed(t *testing.T) {
	for env, want := range map[string]string{
		"PYFLY_EVENTSOURCING_ENABLED=maybe":             `eventsourcing: pyfly.eventsourcing.enabled: "maybe" is not a boolean; valid values: true, false (also yes/no, on/off, y/n, 1/0, in any case)`,
		"PYFLY_EVENTSOURCING_STORE_AUTO__MIGRATE=maybe": `eventsourcing: pyfly.eventsourcing.store.auto_migrate: "maybe" is not a boolean; valid values: true, false (also yes/no, on/off, y/n, 1/0, in any case)`,
		"PYFLY_EVENTSOURCING_STORE_AUTO-MIGRATE=maybe":  `eventsourcing: pyfly.eventsourcing.store.auto-migrate: "maybe" is not a boolean; valid values: true, false (also yes/no, on/off, y/n, 1/0, in any case)`,
		"PYFLY_EVENTSOURCING_STORE=bun":                 `eventsourcing: pyfly.eventsourcing.store: expects a map with the keys provider, url, datasource, auto-migrate, position-strategy, payload-format, got "bun"`,
	} {
		_, err := config.Load(config.WithYAML(nil), environ(env))
		require.ErrorIs(t, err, config.ErrInvalidConfig)
		require.EqualError(t, err, want)
	}
	_, err := config.Load(config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    eda:\n      destination: [a, b]\n")), config.WithoutEnv())
	require.EqualError(t, err, "eventsourcing: pyfly.eventsourcing.eda.destination: expects a string, got a list of 2")
	var ce *config.Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "pyfly.eventsourcing.eda.destination", ce.Key)
	// Before the fix, a destination with a NUL byte or invalid UTF-8 passed configuration and start.
	_, err = config.Load(config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    eda:\n      destination: \"orders\\0\"\n")), config.WithoutEnv())
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.EqualError(t, err, `eventsourcing: pyfly.eventsourcing.eda.destination: a Watermill topic must not contain NUL bytes, got "orders\x00"`)
	_, err = config.Load(config.WithYAML(nil), environ("PYFLY_EVENTSOURCING_EDA_DESTINATION=\xffevents"))
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.EqualError(t, err, `eventsourcing: pyfly.eventsourcing.eda.destination: a Watermill topic must be valid UTF-8, got "\xffevents"`)

	// A hostile value is shown quoted and cut; a URL value is never shown.
	_, err = config.Load(config.WithYAML(nil), environ("PYFLY_EVENTSOURCING_ENABLED="+strings.Repeat("\x00\xff", 500)))
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.Less(t, len(err.Error()), 400)
	require.NotContains(t, err.Error(), "\x00")
	require.True(t, utf8.ValidString(err.Error()))
	_, err = config.Load(config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    store:\n      url: [\"postgres://u:hunter2@h/db\"]\n")), config.WithoutEnv())
	require.EqualError(t, err, "eventsourcing: pyfly.eventsourcing.store.url: expects a string, got a []interface {}")
}

// Errors read once: one prefix, the key or file at fault, what is valid.
func TestFullMessages(t *testing.T) {
	_, err := config.Load(config.WithYAML(nil), environ("PYFLY_EVENTSOURCING_STORE_PROVIDER=redis"))
	require.EqualError(t, err, `eventsourcing: pyfly.eventsourcing.store.provider: "redis" is not a known provider; valid values: memory, bun, sqlalchemy (an alias of bun)`)

	_, err = config.Load(config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    store:\n      provder: bun\n")), config.WithoutEnv())
	require.EqualError(t, err, "eventsourcing: pyfly.eventsourcing.store.provder: unknown key; did you mean `pyfly.eventsourcing.store.provider`?")

	_, err = config.Load(config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    stor: {}\n    snapshots: {}\n")), config.WithoutEnv())
	require.EqualError(t, err, "eventsourcing: unknown keys pyfly.eventsourcing.snapshots (did you mean `pyfly.eventsourcing.snapshot`?), "+
		"pyfly.eventsourcing.stor (did you mean `pyfly.eventsourcing.store`?)")

	// A key with a NUL or a control character is quoted, never echoed raw.
	_, err = config.Load(config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    \"st\\0ore\\x1b\": {}\n")), config.WithoutEnv())
	require.ErrorContains(t, err, `eventsourcing: "pyfly.eventsourcing.st\x00ore\x1b": unknown key; `)
	require.NotContains(t, err.Error(), "\x00")
	_, err = config.Load(config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    \"a\\0\": 1\n    bé: 2\n")), config.WithoutEnv())
	require.ErrorContains(t, err, `eventsourcing: unknown keys "pyfly.eventsourcing.a\x00", pyfly.eventsourcing.bé; valid keys: `)

	_, err = config.Load(config.WithoutEnv(), config.WithFile("/nonexistent/es.yaml"))
	require.EqualError(t, err, "eventsourcing: config file /nonexistent/es.yaml: cannot be read: no such file or directory")
	require.ErrorIs(t, err, fs.ErrNotExist)

	_, err = config.Load(config.WithDir(t.TempDir()), environ("PYFLY_CONFIG=/nonexistent/es.yaml"))
	require.EqualError(t, err, "eventsourcing: config file /nonexistent/es.yaml (from PYFLY_CONFIG): cannot be read: no such file or directory")

	_, err = config.Load(config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    enabled: true\n    store: x: y\n")), config.WithoutEnv())
	require.EqualError(t, err, "eventsourcing: config file inline YAML: not valid YAML: line 4: mapping values are not allowed in this context")

	require.EqualError(t, config.Default().RequireEnabled(), "eventsourcing: the module is disabled; set pyfly.eventsourcing.enabled: true to use its beans")

	k := koanf.New(".")
	require.NoError(t, k.Load(confmap.Provider(map[string]any{"pyfly.data.relational.url": 5}, "."), nil))
	_, err = config.FromKoanf(k)
	require.EqualError(t, err, "eventsourcing: pyfly.data.relational.url: expects a database URL string, got 5")
}

// auto-migrate is the documented spelling; auto_migrate is accepted in YAML and the environment.
func TestAutoMigrateSpellings(t *testing.T) {
	load := func(yaml string, env ...string) (config.Config, error) {
		return config.Load(config.WithYAML([]byte(yaml)), environ(env...))
	}
	for _, y := range []string{
		"pyfly:\n  eventsourcing:\n    store:\n      auto-migrate: true\n    snapshot:\n      auto_migrate: false\n",
		"pyfly:\n  eventsourcing:\n    store:\n      auto_migrate: true\n      auto-migrate: true\n    snapshot:\n      auto-migrate: false\n",
	} {
		cfg, err := load(y)
		require.NoError(t, err)
		require.True(t, *cfg.Store.AutoMigrate)
		require.False(t, *cfg.Snapshot.AutoMigrate)
	}

	// The environment overrides the file whichever spelling each uses.
	cfg, err := load("pyfly:\n  eventsourcing:\n    store:\n      auto-migrate: false\n", "PYFLY_EVENTSOURCING_STORE_AUTO__MIGRATE=true")
	require.NoError(t, err)
	require.True(t, *cfg.Store.AutoMigrate)
	cfg, err = load("pyfly:\n  eventsourcing:\n    store:\n      auto_migrate: false\n", "PYFLY_EVENTSOURCING_STORE_AUTO-MIGRATE=true")
	require.NoError(t, err)
	require.True(t, *cfg.Store.AutoMigrate)

	// Both spellings in one place with different values: an error naming both.
	_, err = load("pyfly:\n  eventsourcing:\n    snapshot:\n      auto-migrate: false\n      auto_migrate: true\n")
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.EqualError(t, err, "eventsourcing: pyfly.eventsourcing.snapshot.auto-migrate: set to false while "+
		"pyfly.eventsourcing.snapshot.auto_migrate is set to true in inline YAML; the two spell one setting: keep pyfly.eventsourcing.snapshot.auto-migrate only")
	_, err = load("", "PYFLY_EVENTSOURCING_STORE_AUTO__MIGRATE=true", "PYFLY_EVENTSOURCING_STORE_AUTO-MIGRATE=0")
	require.ErrorContains(t, err, "pyfly.eventsourcing.store.auto_migrate is set to true in the environment")

	// A *koanf.Koanf from the application: the same rules, and it is left as it was.
	k := koanf.New(".")
	require.NoError(t, k.Load(confmap.Provider(map[string]any{"pyfly.eventsourcing.store.auto_migrate": "sometimes"}, "."), nil))
	_, err = config.FromKoanf(k)
	require.EqualError(t, err, `eventsourcing: pyfly.eventsourcing.store.auto_migrate: "sometimes" is not a boolean; valid values: true, false (also yes/no, on/off, y/n, 1/0, in any case)`)
	require.NoError(t, k.Set("pyfly.eventsourcing.store.auto_migrate", "true"))
	cfg, err = config.FromKoanf(k)
	require.NoError(t, err)
	require.True(t, *cfg.Store.AutoMigrate)
	require.True(t, k.Exists("pyfly.eventsourcing.store.auto_migrate"), "FromKoanf does not modify its argument")
	require.NoError(t, k.Set("pyfly.eventsourcing.store.auto-migrate", false))
	_, err = config.FromKoanf(k)
	require.ErrorContains(t, err, "pyfly.eventsourcing.store.auto-migrate: set to false while pyfly.eventsourcing.store.auto_migrate is set to true;")
}

func TestMalformedYAMLNamesFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(path, []byte("pyfly:\n  eventsourcing:\n    enabled: true\n    store: x: y\n"), 0o600))
	_, err := config.Load(config.WithFile(path), environ())
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.Contains(t, err.Error(), path)
	require.Contains(t, err.Error(), "line 4")
}

func TestUnknownProvider(t *testing.T) {
	for _, key := range []string{"STORE", "SNAPSHOT"} {
		_, err := config.Load(config.WithYAML(nil), environ("PYFLY_EVENTSOURCING_"+key+"_PROVIDER=redis"))
		require.ErrorIs(t, err, config.ErrInvalidConfig)
		msg := err.Error()
		require.Contains(t, msg, "pyfly.eventsourcing."+strings.ToLower(key)+".provider")
		require.Contains(t, msg, `"redis"`)
		for _, v := range []string{"memory", "bun", "sqlalchemy"} {
			require.Contains(t, msg, v)
		}
	}
	cfg, err := config.Load(config.WithYAML(nil), environ("PYFLY_EVENTSOURCING_STORE_PROVIDER= SQLAlchemy "))
	require.NoError(t, err)
	require.Equal(t, "bun", cfg.Store.Provider)
}

func TestFromKoanf(t *testing.T) {
	k := koanf.New(".")
	require.NoError(t, k.Load(confmap.Provider(map[string]any{
		"pyfly.eventsourcing.enabled":        true,
		"pyfly.eventsourcing.store.provider": "bun",
		"pyfly.data.relational.url":          "sqlite::memory:",
		"app.name":                           "x",
	}, "."), nil))
	cfg, err := config.FromKoanf(k)
	require.NoError(t, err)
	require.True(t, cfg.Enabled)
	require.Equal(t, "bun", cfg.Store.Provider)
	require.Equal(t, "memory", cfg.Snapshot.Provider)
	require.Equal(t, "sqlite::memory:", cfg.StoreURL().URL)

	cfg, err = config.FromKoanf(nil)
	require.NoError(t, err)
	require.Equal(t, config.Default(), cfg)

	k = koanf.New(".")
	require.NoError(t, k.Load(confmap.Provider(map[string]any{"pyfly.data.relational.url": 5}, "."), nil))
	_, err = config.FromKoanf(k)
	require.True(t, errors.Is(err, config.ErrInvalidConfig))
	require.ErrorContains(t, err, "pyfly.data.relational.url")
}

func TestEnvKey(t *testing.T) {
	k, v := config.EnvKey("PYFLY_EVENTSOURCING_STORE_AUTO__MIGRATE", "a,b")
	require.Equal(t, "pyfly.eventsourcing.store.auto_migrate", k, "accepted for store.auto-migrate")
	require.Equal(t, "a,b", v)
	k, _ = config.EnvKey("PYFLY_CONFIG", "x")
	require.Empty(t, k)

	// pyfly's spelling of every key: upper case, "_" for each ".", "-" and "_".
	for _, key := range append(config.Keys(), "pyfly.data.relational.url", "pyfly.data.relational.ddl-auto") {
		name := strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(key))
		k, _ := config.EnvKey(name, "x")
		assert.Equal(t, key, k, name)
	}
	for name, key := range map[string]string{
		"PYFLY_EVENTSOURCING_PROJECTION_VERSIONS_ORDERS_VIEW":  "pyfly.eventsourcing.projection.versions.orders_view",
		"PYFLY_EVENTSOURCING_PROJECTION_VERSIONS_ORDERS__VIEW": "pyfly.eventsourcing.projection.versions.orders_view",
		"PYFLY_DATA_RELATIONAL_DATASOURCES_MY_DB_URL":          "pyfly.data.relational.datasources.my_db.url",
		"PYFLY_DATA_RELATIONAL_DATASOURCES_EVENTS_URL":         "pyfly.data.relational.datasources.events.url",
		"PYFLY_DATA_RELATIONAL_DATASOURCES_EVENTS_ECHO":        "pyfly.data.relational.datasources.events.echo",
		"PYFLY_EVENTSOURCING_OUTBOX_MAX__ATTEMPTS":             "pyfly.eventsourcing.outbox.max_attempts",
		"PYFLY_EVENTSOURCING_OUTBOX_MAX_ATEMPTS":               "pyfly.eventsourcing.outbox.max.atempts",
	} {
		k, _ := config.EnvKey(name, "x")
		assert.Equal(t, key, k, name)
	}
}

// pyfly's environment spelling of multi-word keys ("_" for each "." and "-") sets them, and so
// does the spelling with "__" for a "-"; a variable under PYFLY_EVENTSOURCING_ that names no key
// is still an error.
func TestEnvSpellingOfMultiWordKeys(t *testing.T) {
	cfg, err := config.Load(config.WithYAML(nil), environ(
		"PYFLY_DATA_RELATIONAL_DDL_AUTO=validate",
		"PYFLY_DATA_RELATIONAL_DATASOURCES_MY_DB_URL=sqlite:///./my.db",
		"PYFLY_EVENTSOURCING_STORE_DATASOURCE=my_db",
		"PYFLY_EVENTSOURCING_STORE_PAYLOAD_FORMAT=pyfly",
		"PYFLY_EVENTSOURCING_SNAPSHOT_AUTO_MIGRATE=true",
		"PYFLY_EVENTSOURCING_OUTBOX_MAX_ATTEMPTS=3",
		"PYFLY_EVENTSOURCING_OUTBOX_CHECKPOINT_INTERVAL=1s",
		"PYFLY_EVENTSOURCING_PROJECTION_DEAD_LETTER_AFTER=4",
		"PYFLY_EVENTSOURCING_PROJECTION_CHECKPOINT_AUTO_MIGRATE=false",
		"PYFLY_EVENTSOURCING_PROJECTION_VERSIONS_ORDERS_VIEW=2",
		"PYFLY_EVENTSOURCING_HEALTH_PROJECTION_LAG=7",
		"PYFLY_EVENTSOURCING_PROJECTION_BATCH__SIZE=9",
	))
	require.NoError(t, err)
	require.NotNil(t, cfg.DDLAutoMigrate())
	assert.False(t, *cfg.DDLAutoMigrate())
	assert.Equal(t, "validate", cfg.DataRelationalDDLAuto)
	assert.Equal(t, config.ResolvedURL{URL: "sqlite:///./my.db", Key: "pyfly.data.relational.datasources.my_db.url"}, cfg.StoreURL())
	assert.Equal(t, "pyfly", cfg.Store.PayloadFormat)
	assert.True(t, *cfg.Snapshot.AutoMigrate)
	assert.Equal(t, 3, cfg.Outbox.MaxAttempts)
	assert.Equal(t, time.Second, cfg.Outbox.CheckpointInterval)
	assert.Equal(t, 4, cfg.Projection.DeadLetterAfter)
	assert.False(t, *cfg.Projection.Checkpoint.AutoMigrate)
	assert.Equal(t, map[string]int{"orders_view": 2}, cfg.Projection.Versions)
	assert.Equal(t, int64(7), int64(cfg.Health.ProjectionLag))
	assert.Equal(t, 9, cfg.Projection.BatchSize, "the spelling with __ still works")

	// The two spellings of one key in the environment must agree.
	_, err = config.Load(config.WithYAML(nil), environ("PYFLY_EVENTSOURCING_OUTBOX_MAX_ATTEMPTS=3", "PYFLY_EVENTSOURCING_OUTBOX_MAX__ATTEMPTS=4"))
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.ErrorContains(t, err, "pyfly.eventsourcing.outbox.max-attempts: set to")

	for _, kv := range []string{"PYFLY_EVENTSOURCING_OUTBOX_MAX_ATEMPTS=3", "PYFLY_EVENTSOURCING_STORE_PROVIDR=bun", "PYFLY_EVENTSOURCING_COLOUR=red"} {
		_, err := config.Load(config.WithYAML(nil), environ(kv))
		require.ErrorIs(t, err, config.ErrInvalidConfig, kv)
		require.ErrorContains(t, err, "unknown key", kv)
	}
}

func TestKeys(t *testing.T) {
	require.Equal(t, []string{
		"pyfly.eventsourcing.enabled",
		"pyfly.eventsourcing.store.provider",
		"pyfly.eventsourcing.store.url",
		"pyfly.eventsourcing.store.datasource",
		"pyfly.eventsourcing.store.auto-migrate",
		"pyfly.eventsourcing.store.position-strategy",
		"pyfly.eventsourcing.store.payload-format",
		"pyfly.eventsourcing.snapshot.provider",
		"pyfly.eventsourcing.snapshot.url",
		"pyfly.eventsourcing.snapshot.datasource",
		"pyfly.eventsourcing.snapshot.auto-migrate",
		"pyfly.eventsourcing.snapshot.interval",
		"pyfly.eventsourcing.eda.destination",
		"pyfly.eventsourcing.projection.checkpoint.provider",
		"pyfly.eventsourcing.projection.checkpoint.url",
		"pyfly.eventsourcing.projection.checkpoint.datasource",
		"pyfly.eventsourcing.projection.checkpoint.auto-migrate",
		"pyfly.eventsourcing.projection.balance",
		"pyfly.eventsourcing.projection.batch-size",
		"pyfly.eventsourcing.projection.commit-size",
		"pyfly.eventsourcing.projection.poll-interval",
		"pyfly.eventsourcing.projection.start-from",
		"pyfly.eventsourcing.projection.lease-ttl",
		"pyfly.eventsourcing.projection.retry-initial",
		"pyfly.eventsourcing.projection.retry-max",
		"pyfly.eventsourcing.projection.dead-letter-after",
		"pyfly.eventsourcing.projection.dead-letter-policy",
		"pyfly.eventsourcing.projection.versions",
		"pyfly.eventsourcing.projection.switch-lag",
		"pyfly.eventsourcing.projection.partitions",
		"pyfly.eventsourcing.outbox.enabled",
		"pyfly.eventsourcing.outbox.provider",
		"pyfly.eventsourcing.outbox.url",
		"pyfly.eventsourcing.outbox.name",
		"pyfly.eventsourcing.outbox.max-attempts",
		"pyfly.eventsourcing.outbox.dead-letter-policy",
		"pyfly.eventsourcing.outbox.poll-interval",
		"pyfly.eventsourcing.outbox.publish-timeout",
		"pyfly.eventsourcing.outbox.backoff-initial",
		"pyfly.eventsourcing.outbox.backoff-max",
		"pyfly.eventsourcing.outbox.claim-timeout",
		"pyfly.eventsourcing.outbox.retention",
		"pyfly.eventsourcing.outbox.batch-size",
		"pyfly.eventsourcing.outbox.relays",
		"pyfly.eventsourcing.outbox.mode",
		"pyfly.eventsourcing.outbox.start-from",
		"pyfly.eventsourcing.outbox.checkpoint-interval",
		"pyfly.eventsourcing.health.projection-lag",
		"pyfly.eventsourcing.health.projection-stall",
		"pyfly.eventsourcing.health.outbox-pending",
		"pyfly.eventsourcing.health.outbox-age",
		"pyfly.eventsourcing.health.horizon-age",
		"pyfly.eventsourcing.health.dead-letters",
	}, config.Keys())
}

func TestProjectionAndOutboxKeys(t *testing.T) {
	cfg, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(`
pyfly:
  eventsourcing:
    store:
      provider: sqlalchemy
      url: postgresql://app@db/app
    projection:
      batch-size: 40
      commit-size: 400
      poll-interval: 250ms
      start-from: Latest
      lease_ttl: 10s
    outbox:
      enabled: true
      max-attempts: 3
      backoff-max: 1m
`)))
	require.NoError(t, err)
	assert.Equal(t, config.ProviderBun, cfg.CheckpointProvider(), "the checkpoint store follows the event store")
	assert.Equal(t, config.ProviderBun, cfg.OutboxProvider())
	assert.Equal(t, 40, cfg.Projection.BatchSize)
	assert.Equal(t, 400, cfg.Projection.CommitSize)
	assert.Equal(t, 250*time.Millisecond, cfg.Projection.PollInterval)
	assert.Equal(t, projection.StartLatest, cfg.Projection.StartFrom)
	assert.Equal(t, 10*time.Second, cfg.Projection.LeaseTTL, "lease_ttl is accepted for lease-ttl")
	assert.True(t, cfg.Outbox.Enabled)
	assert.Equal(t, 3, cfg.Outbox.MaxAttempts)
	assert.Equal(t, time.Minute, cfg.Outbox.BackoffMax)
	assert.Equal(t, config.ResolvedURL{URL: "postgresql://app@db/app", Key: "pyfly.eventsourcing.store.url"}, cfg.CheckpointURL(), "checkpoints live with the events")
	assert.Equal(t, cfg.StoreURL(), cfg.OutboxURL())

	// From the environment: kebab-case keys through "__".
	cfg, err = config.Load(config.WithEnviron(func() []string {
		return []string{"PYFLY_EVENTSOURCING_OUTBOX_MAX__ATTEMPTS=7", "PYFLY_EVENTSOURCING_PROJECTION_POLL__INTERVAL=2s"}
	}))
	require.NoError(t, err)
	assert.Equal(t, 7, cfg.Outbox.MaxAttempts)
	assert.Equal(t, 2*time.Second, cfg.Projection.PollInterval)

	for yaml, key := range map[string]string{
		"projection: {start-from: middle}":           "pyfly.eventsourcing.projection.start-from",
		"projection: {batch-size: -1}":               "pyfly.eventsourcing.projection.batch-size",
		"projection: {commit-size: -5}":              "pyfly.eventsourcing.projection.commit-size",
		"projection: {poll-interval: soon}":          "pyfly.eventsourcing.projection.poll-interval",
		"outbox: {retention: -1h}":                   "pyfly.eventsourcing.outbox.retention",
		"outbox: {provider: kafka}":                  "pyfly.eventsourcing.outbox.provider",
		"outbox: {max_attempts: 2, max-attempts: 3}": "pyfly.eventsourcing.outbox.max-attempts",
	} {
		_, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    "+yaml+"\n")))
		require.ErrorIs(t, err, config.ErrInvalidConfig, yaml)
		assert.Contains(t, err.Error(), key, yaml)
	}
}

// A bare YAML number is not a duration (30 would be 30ns) and a whole number must be whole and
// fit (no wrapping, no cutting); the environment's strings are read the same way.
func TestNumbersAreStrict(t *testing.T) {
	for yaml, want := range map[string]string{
		"outbox: {publish-timeout: 30}":                   `pyfly.eventsourcing.outbox.publish-timeout: expects a duration with a unit, such as "30s", "500ms" or "2m", got 30 without a unit`,
		"projection: {poll-interval: 5}":                  `pyfly.eventsourcing.projection.poll-interval: expects a duration with a unit, such as "30s", "500ms" or "2m", got 5 without a unit`,
		"projection: {poll-interval: 0.5}":                `pyfly.eventsourcing.projection.poll-interval: expects a duration with a unit`,
		"projection: {retry-max: true}":                   `pyfly.eventsourcing.projection.retry-max: expects a duration with a unit`,
		`projection: {lease-ttl: "30"}`:                   `pyfly.eventsourcing.projection.lease-ttl: expects a duration with a unit, such as "30s", "500ms" or "2m", got "30"`,
		"outbox: {max-attempts: 99999999999999999999999}": "pyfly.eventsourcing.outbox.max-attempts: expects a whole number, 0 (the default) or more, got 1e+23",
		"outbox: {batch-size: 18446744073709551615}":      "pyfly.eventsourcing.outbox.batch-size: expects a whole number, 0 (the default) or more, got 18446744073709551615",
		"outbox: {batch-size: 1.5}":                       "pyfly.eventsourcing.outbox.batch-size: expects a whole number, 0 (the default) or more, got 1.5",
		"projection: {versions: {pv: 1.5}}":               "pyfly.eventsourcing.projection.versions: expects a version per projection name, a whole number from 1 to 99999, got 1.5",
		"outbox: {relays: true}":                          "pyfly.eventsourcing.outbox.relays: expects a whole number",
		"projection: {dead-letter-after: 9.3e18}":         "pyfly.eventsourcing.projection.dead-letter-after: expects a whole number",
		`projection: {batch-size: "0x10"}`:                "pyfly.eventsourcing.projection.batch-size: expects a whole number",
	} {
		_, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    "+yaml+"\n")))
		require.ErrorIs(t, err, config.ErrInvalidConfig, yaml)
		assert.Contains(t, err.Error(), "eventsourcing: "+want, yaml)
		assert.Equal(t, 1, strings.Count(err.Error(), "eventsourcing: "), "reads once: %s", err)
	}
	for _, kv := range []string{
		"PYFLY_EVENTSOURCING_OUTBOX_PUBLISH__TIMEOUT=30",
		"PYFLY_EVENTSOURCING_OUTBOX_MAX__ATTEMPTS=99999999999999999999999",
		"PYFLY_EVENTSOURCING_OUTBOX_BATCH__SIZE=1.5",
	} {
		_, err := config.Load(environ(kv), config.WithDir(t.TempDir()))
		require.ErrorIs(t, err, config.ErrInvalidConfig, kv)
	}

	// Whole numbers written as floats, 0 without a unit, and the environment's strings load.
	cfg, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(`
pyfly:
  eventsourcing:
    projection: {batch-size: 40.0, poll-interval: 0, lease-ttl: " 10s ", dead-letter-after: 3, dead-letter-policy: " Park-Aggregate"}
    outbox: {publish-timeout: 5s, max-attempts: 9223372036854775807, dead-letter-policy: PAUSE}
`)))
	require.NoError(t, err)
	assert.Equal(t, 40, cfg.Projection.BatchSize)
	assert.Equal(t, projection.DefaultPollInterval, cfg.Projection.PollInterval, "0 is the default")
	assert.Equal(t, 10*time.Second, cfg.Projection.LeaseTTL)
	assert.Equal(t, 3, cfg.Projection.DeadLetterAfter)
	assert.Equal(t, es.DeadLetterParkAggregate, cfg.Projection.DeadLetterPolicy)
	assert.Equal(t, es.DeadLetterPause, cfg.Outbox.DeadLetterPolicy)
	assert.Equal(t, 5*time.Second, cfg.Outbox.PublishTimeout)
	assert.Equal(t, 9223372036854775807, cfg.Outbox.MaxAttempts)
	cfg, err = config.Load(config.WithDir(t.TempDir()), environ(
		"PYFLY_EVENTSOURCING_OUTBOX_PUBLISH__TIMEOUT=45s", "PYFLY_EVENTSOURCING_OUTBOX_BATCH__SIZE= 12 ",
		"PYFLY_EVENTSOURCING_PROJECTION_RETRY__MAX=2m"))
	require.NoError(t, err)
	assert.Equal(t, 45*time.Second, cfg.Outbox.PublishTimeout)
	assert.Equal(t, 12, cfg.Outbox.BatchSize)
	assert.Equal(t, 2*time.Minute, cfg.Projection.RetryMax)
}

// snapshot.interval: 100 by default, set from YAML or the environment, and at least 1.
func TestSnapshotInterval(t *testing.T) {
	require.Equal(t, 100, config.Default().Snapshot.Interval)
	cfg, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    snapshot: {provider: bun, interval: 3}\n")))
	require.NoError(t, err)
	require.Equal(t, 3, cfg.Snapshot.Interval)
	require.Equal(t, "bun", cfg.Snapshot.Provider)
	cfg, err = config.Load(config.WithDir(t.TempDir()), environ("PYFLY_EVENTSOURCING_SNAPSHOT_INTERVAL=7"))
	require.NoError(t, err)
	require.Equal(t, 7, cfg.Snapshot.Interval)
	for value, reason := range map[string]string{
		"0":    "must be 1 or more: a repository takes a snapshot each time a save crosses a multiple of it (default 100), got 0",
		"-5":   "must be 1 or more: a repository takes a snapshot each time a save crosses a multiple of it (default 100), got -5",
		"1.5":  "expects a whole number, 1 or more (default 100), got 1.5",
		"ten":  `expects a whole number, 1 or more (default 100), got "ten"`,
		"1e30": "expects a whole number, 1 or more (default 100), got 1e+30",
	} {
		_, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    snapshot: {interval: "+value+"}\n")))
		require.EqualError(t, err, "eventsourcing: pyfly.eventsourcing.snapshot.interval: "+reason, value)
		var ce *config.Error
		require.ErrorAs(t, err, &ce)
		require.Equal(t, "pyfly.eventsourcing.snapshot.interval", ce.Key)
	}
	// store and checkpoint sections have no interval.
	_, err = config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    store: {interval: 3}\n")))
	require.ErrorContains(t, err, "pyfly.eventsourcing.store.interval: unknown key; did you mean `pyfly.eventsourcing.snapshot.interval`?")
}

// Booleans take YAML 1.1's words, as pyfly's YAML loader reads them (yes, no, on, off, y, n, in
// any case), from YAML and from the environment; anything else is an error saying what is valid.
func TestYAML11Booleans(t *testing.T) {
	for word, want := range map[string]bool{"yes": true, "Yes": true, "YES": true, "on": true, "ON": true, "y": true, "Y": true,
		"no": false, "No": false, "off": false, "Off": false, "n": false, "N": false, "true": true, "False": false} {
		cfg, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    enabled: "+word+
			"\n    outbox: {enabled: "+word+"}\n    projection: {balance: "+word+"}\n    store: {auto-migrate: "+word+"}\n"+
			"    snapshot: {auto_migrate: "+word+"}\n")))
		require.NoError(t, err, word)
		assert.Equal(t, want, cfg.Enabled, word)
		assert.Equal(t, want, cfg.Outbox.Enabled, word)
		assert.Equal(t, want, cfg.Projection.Balance, word)
		require.NotNil(t, cfg.Store.AutoMigrate, word)
		assert.Equal(t, want, *cfg.Store.AutoMigrate, word)
		require.NotNil(t, cfg.Snapshot.AutoMigrate, word)
		assert.Equal(t, want, *cfg.Snapshot.AutoMigrate, word)

		cfg, err = config.Load(config.WithYAML(nil), environ("PYFLY_EVENTSOURCING_ENABLED="+word,
			"PYFLY_EVENTSOURCING_STORE_AUTO__MIGRATE="+word, "PYFLY_EVENTSOURCING_SNAPSHOT_AUTO-MIGRATE="+word))
		require.NoError(t, err, word)
		assert.Equal(t, want, cfg.Enabled, word)
		assert.Equal(t, want, *cfg.Store.AutoMigrate, word)
		assert.Equal(t, want, *cfg.Snapshot.AutoMigrate, word)
	}
	// Two spellings of one key agree when they mean the same.
	cfg, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    store: {auto-migrate: true, auto_migrate: 'on'}\n")))
	require.NoError(t, err)
	assert.True(t, *cfg.Store.AutoMigrate)

	_, err = config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    enabled: maybe\n")))
	require.EqualError(t, err, `eventsourcing: pyfly.eventsourcing.enabled: "maybe" is not a boolean; valid values: true, false (also yes/no, on/off, y/n, 1/0, in any case)`)
}

// A variable's name cannot hold a "-" or lower case: it sets the projection or datasource the
// YAML spells alike, and one that two names match is an error naming both.
func TestEnvironmentMatchesNames(t *testing.T) {
	yaml := []byte(`
pyfly:
  data:
    relational:
      datasources:
        read-replica: {url: "sqlite:///./replica.db"}
        events: {url: "sqlite:///./events.db"}
  eventsourcing:
    store: {datasource: read-replica}
    projection:
      versions: {orders-view: 2, Audit.Log: 3}
`)
	cfg, err := config.Load(config.WithYAML(yaml), environ(
		"PYFLY_DATA_RELATIONAL_DATASOURCES_READ_REPLICA_URL=sqlite:///./other.db",
		"PYFLY_EVENTSOURCING_PROJECTION_VERSIONS_ORDERS_VIEW=5",
		"PYFLY_EVENTSOURCING_PROJECTION_VERSIONS_AUDIT_LOG=4",
		"PYFLY_EVENTSOURCING_PROJECTION_VERSIONS_NEW_ONE=1",
	))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"read-replica": "sqlite:///./other.db", "events": "sqlite:///./events.db"}, cfg.DataRelationalDatasources)
	assert.Equal(t, "sqlite:///./other.db", cfg.StoreURL().URL)
	assert.Equal(t, map[string]int{"orders-view": 5, "Audit.Log": 4, "new_one": 1}, cfg.Projection.Versions)

	_, err = config.Load(config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    projection:\n      versions: {orders-view: 2, orders_view: 3}\n")),
		environ("PYFLY_EVENTSOURCING_PROJECTION_VERSIONS_ORDERS_VIEW=5"))
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "environment variable PYFLY_EVENTSOURCING_PROJECTION_VERSIONS_ORDERS_VIEW matches "+
		"pyfly.eventsourcing.projection.versions.orders-view and pyfly.eventsourcing.projection.versions.orders_view")
}
