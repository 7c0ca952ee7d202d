package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/config"
)

// pyflyYAML is a pyfly application's configuration: the data module's datasources and ddl-auto,
// the event store on a named datasource with pyfly's position strategy.
const pyflyYAML = `
pyfly:
  data:
    relational:
      url: postgresql+asyncpg://app@db/app
      ddl-auto: update
      pool:
        size: 5
      datasources:
        events:
          url: postgresql+asyncpg://app@events/events
          echo: false
        reporting:
          url: sqlite+aiosqlite:///./reporting.db
  eventsourcing:
    enabled: true
    store:
      provider: sqlalchemy
      datasource: events
      position-strategy: xid8
    snapshot:
      provider: sqlalchemy
      datasource: primary
    projection:
      checkpoint:
        datasource: reporting
`

// pyfly's keys read as pyfly reads them: a store's datasource names its URL, ddl-auto sets the
// auto-migrate of the stores that set none, position-strategy is kept; the data module's other
// keys (pool, echo) are pyfly's and pass.
func TestPyflyKeys(t *testing.T) {
	cfg, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(pyflyYAML)))
	require.NoError(t, err)
	assert.Equal(t, config.ResolvedURL{URL: "postgresql+asyncpg://app@events/events", Key: "pyfly.data.relational.datasources.events.url"}, cfg.StoreURL())
	assert.Equal(t, config.ResolvedURL{URL: "postgresql+asyncpg://app@db/app", Key: "pyfly.data.relational.url"}, cfg.SnapshotURL())
	assert.Equal(t, config.ResolvedURL{URL: "sqlite+aiosqlite:///./reporting.db", Key: "pyfly.data.relational.datasources.reporting.url"}, cfg.CheckpointURL())
	assert.Equal(t, cfg.StoreURL(), cfg.OutboxURL(), "the outbox follows the event store")
	assert.Equal(t, "xid8", cfg.Store.PositionStrategy)
	assert.Equal(t, "compact", cfg.Store.PayloadFormat)
	assert.Equal(t, "update", cfg.DataRelationalDDLAuto)
	require.NotNil(t, cfg.DDLAutoMigrate())
	assert.True(t, *cfg.DDLAutoMigrate())

	for value, migrate := range map[string]bool{"create": true, "create-drop": true, "update": true, "validate": false, "none": false, " Update ": true} {
		cfg, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  data:\n    relational:\n      ddl-auto: '"+value+"'\n")))
		require.NoError(t, err, value)
		require.NotNil(t, cfg.DDLAutoMigrate(), value)
		assert.Equal(t, migrate, *cfg.DDLAutoMigrate(), value)
	}
	cfg, err = config.Load(config.WithoutEnv(), config.WithYAML(nil))
	require.NoError(t, err)
	assert.Nil(t, cfg.DDLAutoMigrate(), "unset: each store's own default")

	// From the environment, as pyfly's variables spell them.
	cfg, err = config.Load(config.WithYAML(nil), environ(
		"PYFLY_DATA_RELATIONAL_DDL__AUTO=validate",
		"PYFLY_DATA_RELATIONAL_DATASOURCES_EVENTS_URL=postgres://app@events/events",
		"PYFLY_EVENTSOURCING_STORE_DATASOURCE=events",
		"PYFLY_EVENTSOURCING_STORE_POSITION__STRATEGY=auto",
		"PYFLY_EVENTSOURCING_STORE_PAYLOAD__FORMAT=pyfly"))
	require.NoError(t, err)
	assert.False(t, *cfg.DDLAutoMigrate())
	assert.Equal(t, "postgres://app@events/events", cfg.StoreURL().URL)
	assert.Equal(t, "auto", cfg.Store.PositionStrategy)
	assert.Equal(t, "pyfly", cfg.Store.PayloadFormat)
}

// The error cases of pyfly's keys name their keys and say what is valid.
func TestPyflyKeyErrors(t *testing.T) {
	for yaml, want := range map[string]string{
		"data: {relational: {ddl-auto: drop}}": `eventsourcing: pyfly.data.relational.ddl-auto: "drop" is not a schema strategy; ` +
			`valid values: create, create-drop, update, validate, none`,
		"data: {relational: {ddl-auto: update, ddl_auto: none}}": `eventsourcing: pyfly.data.relational.ddl-auto: set to "update" while ` +
			`pyfly.data.relational.ddl_auto is set to "none"`,
		"data: {relational: {ddl-auto: [update]}}": `eventsourcing: pyfly.data.relational.ddl-auto: expects a string, got a list of 1`,
		"data: {relational: {datasources: {events: {url: 'sqlite:///e.db'}}}}\n  eventsourcing: {store: {url: 'sqlite:///x.db', datasource: events}}": `eventsourcing: pyfly.eventsourcing.store.datasource: is set together with ` +
			`pyfly.eventsourcing.store.url: a store takes its database from one of them`,
		"data: {relational: {datasources: {events: {url: 'sqlite:///e.db'}}}}\n  eventsourcing: {snapshot: {url: 'sqlite:///x.db', datasource: events}}": `eventsourcing: pyfly.eventsourcing.snapshot.datasource: is set together with ` +
			`pyfly.eventsourcing.snapshot.url`,
		"data: {relational: {datasources: {events: {url: 'sqlite:///e.db'}, audit: {url: 'sqlite:///a.db'}}}}\n  eventsourcing: {store: {datasource: evnets}}": `eventsourcing: pyfly.eventsourcing.store.datasource: "evnets" names no datasource under ` +
			`pyfly.data.relational.datasources; valid names: audit, events`,
		"eventsourcing: {projection: {checkpoint: {datasource: primary}}}": `eventsourcing: pyfly.eventsourcing.projection.checkpoint.datasource: "primary" names no datasource ` +
			`under pyfly.data.relational.datasources; none is configured: declare it as pyfly.data.relational.datasources.primary.url`,
		"data: {relational: {datasources: {events: {echo: true}}}}": `eventsourcing: pyfly.data.relational.datasources.events.url: is not set`,
		"data: {relational: {datasources: {events: {url: ''}}}}":    `eventsourcing: pyfly.data.relational.datasources.events.url: is empty`,
		"data: {relational: {datasources: [events]}}":               `eventsourcing: pyfly.data.relational.datasources: expects a map of datasource names`,
		"eventsourcing: {store: {position-strategy: head-row}}": `eventsourcing: pyfly.eventsourcing.store.position-strategy: "head-row" is pyfly's strategy ` +
			`of numbering positions as readers read, which this module does not run`,
		"eventsourcing: {store: {position-strategy: serial}}": `eventsourcing: pyfly.eventsourcing.store.position-strategy: "serial" is not a position strategy; ` +
			`valid values: auto, xid8 (PostgreSQL)`,
		"eventsourcing: {store: {payload-format: json}}": `eventsourcing: pyfly.eventsourcing.store.payload-format: "json" is not a payload format; ` +
			`valid values: compact`,
		"eventsourcing: {store: {position-stratgy: xid8}}": "eventsourcing: pyfly.eventsourcing.store.position-stratgy: unknown key; " +
			"did you mean `pyfly.eventsourcing.store.position-strategy`?",
		"eventsourcing: {snapshot: {position-strategy: xid8}}": "eventsourcing: pyfly.eventsourcing.snapshot.position-strategy: unknown key; " +
			"did you mean `pyfly.eventsourcing.store.position-strategy`?",
	} {
		_, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  "+yaml+"\n")))
		require.ErrorIs(t, err, config.ErrInvalidConfig, yaml)
		assert.Truef(t, len(err.Error()) >= len(want) && err.Error()[:len(want)] == want, "%s:\n%s\ndoes not start with\n%s", yaml, err, want)
	}
}
