package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/v2"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/config"
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
	for env, key := range map[string]string{
		"PYFLY_EVENTSOURCING_ENABLED=maybe":             "pyfly.eventsourcing.enabled: cannot parse",
		"PYFLY_EVENTSOURCING_STORE_AUTO__MIGRATE=maybe": "pyfly.eventsourcing.store.auto_migrate: cannot parse",
		"PYFLY_EVENTSOURCING_STORE=bun":                 "pyfly.eventsourcing.store: expected a map",
	} {
		_, err := config.Load(config.WithYAML(nil), environ(env))
		require.ErrorIs(t, err, config.ErrInvalidConfig)
		require.Contains(t, err.Error(), key)
		require.NotContains(t, err.Error(), "\n")
	}
	_, err := config.Load(config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    eda:\n      destination: [a, b]\n")), config.WithoutEnv())
	require.ErrorContains(t, err, "pyfly.eventsourcing.eda.destination: expected type 'string'")
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
	require.Equal(t, "pyfly.eventsourcing.store.auto_migrate", k)
	require.Equal(t, "a,b", v)
	k, _ = config.EnvKey("PYFLY_CONFIG", "x")
	require.Empty(t, k)
}

func TestKeys(t *testing.T) {
	require.Equal(t, []string{
		"pyfly.eventsourcing.enabled",
		"pyfly.eventsourcing.store.provider",
		"pyfly.eventsourcing.store.url",
		"pyfly.eventsourcing.store.auto_migrate",
		"pyfly.eventsourcing.snapshot.provider",
		"pyfly.eventsourcing.snapshot.url",
		"pyfly.eventsourcing.snapshot.auto_migrate",
		"pyfly.eventsourcing.eda.destination",
	}, config.Keys())
}
