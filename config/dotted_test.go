package config_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/config"
)

func loadWhole(yaml string) (config.Config, error) {
	return config.Load(config.WithoutEnv(), config.WithYAML([]byte(yaml)))
}

// A key written with dots in one YAML key reads as the nested key it spells, at any depth, and a
// misspelt one is an unknown key like a misspelt nested key: none is ignored.
func TestDottedKeys(t *testing.T) {
	for _, yaml := range []string{
		"pyfly.eventsourcing.enabled: true\npyfly.eventsourcing.store.provider: bun\n",
		"pyfly:\n  eventsourcing.enabled: true\n  eventsourcing.store.provider: bun\n",
		"pyfly:\n  eventsourcing:\n    enabled: true\n    store.provider: bun\n",
		"pyfly.eventsourcing:\n  enabled: true\n  store: {provider: bun}\n",
		"pyfly.eventsourcing.enabled: true\npyfly:\n  eventsourcing:\n    store:\n      provider: bun\n",
		"pyfly.eventsourcing.enabled: true\npyfly:\n  eventsourcing:\n    enabled: yes\n    store.provider: bun\n", // the same value twice
		"pyfly.eventsourcing.store: {}\npyfly.eventsourcing.enabled: true\npyfly.eventsourcing.store.provider: bun\n",
	} {
		cfg, err := loadWhole(yaml)
		require.NoError(t, err, yaml)
		assert.True(t, cfg.Enabled, yaml)
		assert.Equal(t, "bun", cfg.Store.Provider, yaml)
	}

	cfg, err := loadWhole(`
pyfly.data.relational.ddl-auto: validate
pyfly.data.relational.datasources.events.url: "sqlite:///./events.db"
pyfly.eventsourcing.store.datasource: events
pyfly.eventsourcing.projection.versions.orders_view: 2
pyfly.eventsourcing.projection.versions.audit.log: 3
pyfly:
  eventsourcing:
    projection:
      versions: {"v1.view": 4}
      versions.totals: 5
`)
	require.NoError(t, err)
	assert.Equal(t, "validate", cfg.DataRelationalDDLAuto)
	assert.Equal(t, config.ResolvedURL{URL: "sqlite:///./events.db", Key: "pyfly.data.relational.datasources.events.url"}, cfg.StoreURL())
	assert.Equal(t, map[string]int{"orders_view": 2, "audit.log": 3, "v1.view": 4, "totals": 5}, cfg.Projection.Versions,
		"what follows versions is a projection's name")

	// Misspelt dotted keys are reported as nested ones are.
	for yaml, want := range map[string]string{
		"pyfly.eventsourcing.enabled: true\npyfly.eventsourcing.store.provder: bun\n": "eventsourcing: pyfly.eventsourcing.store.provder: unknown key; " +
			"did you mean `pyfly.eventsourcing.store.provider`?",
		"pyfly:\n  eventsourcing.enabeld: true\n": "eventsourcing: pyfly.eventsourcing.enabeld: unknown key; did you mean `pyfly.eventsourcing.enabled`?",
		"pyfly:\n  eventsourcing:\n    outbox.max-atempts: 3\n": "eventsourcing: pyfly.eventsourcing.outbox.max-atempts: unknown key; " +
			"did you mean `pyfly.eventsourcing.outbox.max-attempts`?",
		"pyfly.event-sourcing.enabled: true\n": "eventsourcing: pyfly.event-sourcing: the module does not read this key; did you mean `pyfly.eventsourcing`?",
		// Two spellings of one key that disagree, or a value with keys under it, are refused.
		"pyfly.eventsourcing.enabled: true\npyfly:\n  eventsourcing:\n    enabled: false\n": "eventsourcing: pyfly.eventsourcing.enabled: set twice " +
			"in inline YAML, to false (written pyfly: eventsourcing: enabled) and to true (written pyfly.eventsourcing.enabled); " +
			"a key written with dots spells the same setting as the nested keys: keep one",
		"pyfly.eventsourcing.store: memory\npyfly.eventsourcing.store.provider: bun\n": "eventsourcing: pyfly.eventsourcing.store: set to \"memory\" " +
			"(written pyfly.eventsourcing.store) in inline YAML while pyfly.eventsourcing.store.provider is set under it",
	} {
		_, err := loadWhole(yaml)
		require.ErrorIs(t, err, config.ErrInvalidConfig, yaml)
		assert.Truef(t, len(err.Error()) >= len(want) && err.Error()[:len(want)] == want, "%s:\n%s\ndoes not start with\n%s", yaml, err, want)
	}

	// A later file overrides an earlier one whichever spelling each uses.
	cfg, err = config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly.eventsourcing.enabled: true\n")),
		config.WithYAML([]byte("pyfly: {eventsourcing: {enabled: false}}\n")))
	require.NoError(t, err)
	assert.False(t, cfg.Enabled)
	cfg, err = config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly: {eventsourcing: {enabled: false}}\n")),
		config.WithYAML([]byte("pyfly.eventsourcing.enabled: true\n")))
	require.NoError(t, err)
	assert.True(t, cfg.Enabled)

	// The application's own *koanf.Koanf, loaded from the same YAML, reads alike and is left as it was.
	k := koanf.New(".")
	require.NoError(t, k.Load(rawbytes.Provider([]byte("pyfly.eventsourcing.enabled: true\npyfly:\n  eventsourcing:\n    store.provider: bun\n")), yaml.Parser()))
	before := k.Raw()
	cfg, err = config.FromKoanf(k)
	require.NoError(t, err)
	assert.True(t, cfg.Enabled)
	assert.Equal(t, "bun", cfg.Store.Provider)
	assert.Equal(t, before, k.Raw(), "FromKoanf does not modify its argument")
}

// Keys outside what the module reads stay as written, whatever dots they hold: pyfly's own
// logging.level names loggers with dots, and an application's settings may too.
func TestDottedKeysElsewhereUntouched(t *testing.T) {
	src := `
pyfly:
  logging:
    level: {root: INFO, sqlalchemy: INFO, sqlalchemy.engine: WARNING}
  eventsourcing:
    enabled: true
    store.provider: bun
kafka:
  producer: {bootstrap.servers: "k1:9092", acks: all}
  bootstrap.servers: "k2:9092"
hosts: {db.example.com: 5432}
pyfly.data.relational:
  url: "sqlite:///./app.db"
  pool.size: 5
`
	cfg, err := loadWhole(src)
	require.NoError(t, err)
	assert.True(t, cfg.Enabled)
	assert.Equal(t, "bun", cfg.Store.Provider)
	assert.Equal(t, "sqlite:///./app.db", cfg.DataRelationalURL, "a key of pyfly's data module the module reads is expanded")

	k, err := config.LoadKoanf(config.WithoutEnv(), config.WithYAML([]byte(src)))
	require.NoError(t, err)
	raw := k.Raw()
	pyfly := raw["pyfly"].(map[string]any)
	assert.Equal(t, map[string]any{"root": "INFO", "sqlalchemy": "INFO", "sqlalchemy.engine": "WARNING"},
		pyfly["logging"].(map[string]any)["level"], "a logger's name is one key")
	assert.Equal(t, map[string]any{"producer": map[string]any{"bootstrap.servers": "k1:9092", "acks": "all"}, "bootstrap.servers": "k2:9092"},
		raw["kafka"], "the application's own dotted keys are kept")
	assert.Equal(t, map[string]any{"db.example.com": 5432}, raw["hosts"])
	assert.Equal(t, map[string]any{"pool.size": 5}, raw["pyfly.data.relational"], "what the module does not read stays as written")
	assert.Equal(t, "bun", k.String("pyfly.eventsourcing.store.provider"))

	// The application's *koanf.Koanf, loaded by itself, reads alike.
	k = koanf.New(".")
	require.NoError(t, k.Load(rawbytes.Provider([]byte(src)), yaml.Parser()))
	cfg, err = config.FromKoanf(k)
	require.NoError(t, err)
	assert.Equal(t, "bun", cfg.Store.Provider)
}

// Two spellings of one key compare exactly: values that differ in case only (a password) differ.
func TestSpellingsCompareExactly(t *testing.T) {
	_, err := loadWhole("pyfly.eventsourcing.store.url: 'postgres://app:Secret@db/app'\n" +
		"pyfly:\n  eventsourcing:\n    store: {url: 'postgres://app:secret@db/app'}\n")
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "pyfly.eventsourcing.store.url: set twice")
	assert.NotContains(t, err.Error(), "ecret")

	_, err = loadWhole("pyfly:\n  eventsourcing:\n    outbox: {name: Orders, max-attempts: 3}\n    outbox.name: orders\n")
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "pyfly.eventsourcing.outbox.name: set twice")

	_, err = loadWhole("pyfly:\n  eventsourcing:\n    eda: {destination: Orders}\n    store: {auto-migrate: true, auto_migrate: YES}\n")
	require.NoError(t, err, "booleans compare as booleans")

	// The spelling with "_" of a kebab-case key compares alike.
	_, err = loadWhole("pyfly:\n  eventsourcing:\n    store: {payload-format: json, payload_format: JSON}\n")
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "pyfly.eventsourcing.store.payload-format: set to \"json\" while pyfly.eventsourcing.store.payload_format is set to \"JSON\"")
}

// Hostile dotted keys: one of 100,000 dots under pyfly.eventsourcing is an unknown key, found
// at once (before, it was split into a map level and a key per dot, and the process ran out of
// memory); NUL and invalid UTF-8 in a dotted key are refused, never read as another key.
func TestHostileDottedKeys(t *testing.T) {
	// YAML's explicit key form ("? key"): an implicit key is at most 1,024 characters.
	long := "? pyfly.eventsourcing.projection.versions.x" + strings.Repeat(".a", 100_000) + "\n: 2\n"
	_, err := loadWhole("pyfly.eventsourcing.enabled: true\n" + long)
	require.NoError(t, err, "everything after versions. is one projection's name")
	long = "? pyfly.eventsourcing.store" + strings.Repeat(".a", 100_000) + "\n: 1\n"
	_, err = loadWhole(long)
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "unknown key")
	assert.Less(t, len(err.Error()), 1000, "the key is shown clipped")
	// Elsewhere such a key is the application's: kept as written, never reported.
	_, err = loadWhole("? myapp" + strings.Repeat(".a", 100_000) + "\n: 1\n")
	require.NoError(t, err)
	for _, key := range []string{"pyfly.eventsourcing.enab\x00led", "pyfly.eventsourcing.\xffenabled"} {
		_, err := loadWhole(strconv.Quote(key) + ": true\n")
		require.ErrorIs(t, err, config.ErrInvalidConfig, "%q", key)
		assert.NotContains(t, err.Error(), "\x00")
	}
}
