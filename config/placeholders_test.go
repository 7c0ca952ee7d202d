package config_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/config"
)

// ${NAME} and ${NAME:default} resolve as in pyfly: the environment variable NAME, else the one
// pyfly reads for the key NAME, else the configuration key NAME, else the default.
func TestPlaceholders(t *testing.T) {
	yaml := []byte(`
pyfly:
  data:
    relational:
      url: "${APP_DB:sqlite:///./app.db}"
      ddl-auto: ${DDL:validate}
      datasources:
        events: {url: "${EVENTS_URL}"}
  eventsourcing:
    enabled: ${ES_ON:false}
    store:
      provider: ${STORE:bun}
      url: ${DATABASE_URL}
    snapshot:
      url: "${pyfly.eventsourcing.store.url}"
      interval: ${INTERVAL:25}
    eda:
      destination: ${TOPIC:orders.events}
    projection:
      checkpoint: {datasource: events}
      poll-interval: ${POLL:2s}
    outbox:
      name: "${REGION:eu}-${pyfly.eventsourcing.eda.destination}"
`)
	cfg, err := config.Load(config.WithYAML(yaml), environ(
		"DATABASE_URL=postgres://app:s3cr3t@db/app?sslmode=disable",
		"EVENTS_URL=sqlite:///./events.db",
		"PYFLY_EVENTSOURCING_ENABLED=true",
		"ES_ON=yes",
		"INTERVAL=7",
	))
	require.NoError(t, err)
	assert.True(t, cfg.Enabled)
	assert.Equal(t, "bun", cfg.Store.Provider)
	assert.Equal(t, "postgres://app:s3cr3t@db/app?sslmode=disable", cfg.Store.URL)
	assert.Equal(t, "postgres://app:s3cr3t@db/app?sslmode=disable", cfg.Snapshot.URL, "a configuration key, its own placeholder resolved")
	assert.Equal(t, 7, cfg.Snapshot.Interval)
	assert.Equal(t, "orders.events", cfg.EDA.Destination, "the default, which may hold a \":\" and a \".\"")
	assert.Equal(t, "eu-orders.events", cfg.Outbox.Name)
	assert.Equal(t, "sqlite:///./app.db", cfg.DataRelationalURL)
	assert.Equal(t, "validate", cfg.DataRelationalDDLAuto)
	assert.Equal(t, "sqlite:///./events.db", cfg.CheckpointURL().URL)
	assert.Equal(t, "2s", cfg.Projection.PollInterval.String())

	// The variable pyfly reads for a key stands for that key.
	cfg, err = config.Load(config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    eda: {destination: '${pyfly.app.topic}'}\n")),
		environ("PYFLY_APP_TOPIC=billing"))
	require.NoError(t, err)
	assert.Equal(t, "billing", cfg.EDA.Destination)

	// Unresolvable without a default: an error naming the key and the variable, never the text
	// used as written; a placeholder in a URL's password is not shown.
	for yaml, want := range map[string]string{
		"eventsourcing: {store: {url: '${DATABASE_URL}'}}": "eventsourcing: pyfly.eventsourcing.store.url: placeholder ${DATABASE_URL} cannot be resolved: " +
			"DATABASE_URL is neither an environment variable nor a configuration key, and the placeholder gives no default (${DATABASE_URL:default})",
		"eventsourcing: {eda: {destination: 'orders.${REGION}'}}": "eventsourcing: pyfly.eventsourcing.eda.destination: placeholder ${REGION} cannot be resolved",
		"data: {relational: {datasources: {events: {url: '${EVENTS}'}}}}": "eventsourcing: pyfly.data.relational.datasources.events.url: " +
			"placeholder ${EVENTS} cannot be resolved",
		"eventsourcing: {store: {url: 'postgres://u:pa${ss}word@h/db'}}": "eventsourcing: pyfly.eventsourcing.store.url: " +
			"a placeholder in the password of the URL cannot be resolved",
		"eventsourcing: {store: {url: '${pyfly.eventsourcing.snapshot.url}'}, snapshot: {url: '${pyfly.eventsourcing.store.url}'}}": "eventsourcing: " +
			"pyfly.eventsourcing.snapshot.url: placeholders refer to keys more than 10 deep",
	} {
		_, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  "+yaml+"\n")))
		require.ErrorIs(t, err, config.ErrInvalidConfig, yaml)
		assert.Truef(t, strings.HasPrefix(err.Error(), want), "%s:\n%s\ndoes not start with\n%s", yaml, err, want)
		assert.NotContains(t, err.Error(), "word@", yaml)
	}

	// The keys of pyfly's data module the module does not read are left to pyfly; the
	// application's *koanf.Koanf is left as it was.
	k := koanf.New(".")
	require.NoError(t, k.Load(confmap.Provider(map[string]any{
		"pyfly.data.relational.pool.size":     "${POOL_SIZE}",
		"pyfly.eventsourcing.eda.destination": "${TOPIC_OF_A_TEST_NOBODY_SETS:x}",
	}, "."), nil))
	cfg, err = config.FromKoanf(k)
	require.NoError(t, err)
	assert.Equal(t, "x", cfg.EDA.Destination)
	assert.Equal(t, "${TOPIC_OF_A_TEST_NOBODY_SETS:x}", k.String("pyfly.eventsourcing.eda.destination"))
}

// A value the environment sets is used as written: pyfly resolves placeholders in its YAML
// only, and a generated password may hold "${".
func TestPlaceholdersNotInEnvironmentValues(t *testing.T) {
	const url = "postgres://app:Xy${HOME}z${q}@db/app"
	yaml := []byte("pyfly:\n  eventsourcing:\n    store: {provider: bun, url: '${DATABASE_URL:sqlite::memory:}'}\n" +
		"    snapshot: {url: '${pyfly.eventsourcing.store.url}'}\n")
	cfg, err := config.Load(config.WithYAML(yaml), environ("HOME=/root", "PYFLY_EVENTSOURCING_STORE_URL="+url))
	require.NoError(t, err)
	assert.Equal(t, url, cfg.Store.URL)
	assert.Equal(t, url, cfg.Snapshot.URL, "a key referring to it takes it as it is")

	// The application's *koanf.Koanf, whose value equals the variable the environment sets.
	t.Setenv("PYFLY_EVENTSOURCING_STORE_URL", url)
	t.Setenv("HOME", "/root")
	k := koanf.New(".")
	require.NoError(t, k.Load(confmap.Provider(map[string]any{
		"pyfly.eventsourcing.store.provider": "bun",
		"pyfly.eventsourcing.store.url":      url,
	}, "."), nil))
	cfg, err = config.FromKoanf(k)
	require.NoError(t, err)
	assert.Equal(t, url, cfg.Store.URL)
}

// Placeholders that repeat keys whose values repeat others are resolved once each, and a value
// that grows beyond 64 KiB is an error naming the key; a long placeholder is cut in a message.
func TestPlaceholdersBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("pyfly:\n  eventsourcing:\n    eda: {destination: '${x0}'}\n")
	for i := range 8 {
		fmt.Fprintf(&b, "x%d: '%s'\n", i, strings.Repeat(fmt.Sprintf("${x%d}", i+1), 8))
	}
	b.WriteString("x8: ab\n")
	done := make(chan error, 1)
	go func() {
		_, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(b.String())))
		done <- err
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, config.ErrInvalidConfig)
		assert.Contains(t, err.Error(), "pyfly.eventsourcing.eda.destination: resolves to more than 64 KiB")
	case <-time.After(10 * time.Second):
		t.Fatal("placeholders are expanded again for every reference")
	}

	// Within the bound, repeated references resolve.
	cfg, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(
		"pyfly:\n  eventsourcing:\n    eda: {destination: '${a}-${a}'}\na: '${b}${b}'\nb: xy\n")))
	require.NoError(t, err)
	assert.Equal(t, "xyxy-xyxy", cfg.EDA.Destination)

	long := strings.Repeat("N", 500)
	_, err = config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    eda: {destination: '${"+long+"}'}\n")))
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	assert.NotContains(t, err.Error(), long[:100])
	assert.Less(t, len(err.Error()), 500)
}
