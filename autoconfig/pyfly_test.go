package autoconfig_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/sqlscript"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// pyflyDatabase fills url with the pyfly fixture of generation gen (stores/bun/testdata).
func pyflyDatabase(t *testing.T, url, gen string) {
	t.Helper()
	ctx := context.Background()
	db, err := bunstore.Open(ctx, url)
	require.NoError(t, err)
	defer func() { _ = db.Close() }()
	d, err := bunstore.DialectOf(db)
	require.NoError(t, err)
	raw, err := os.ReadFile("../stores/bun/testdata/pyfly_" + gen + "_" + string(d) + ".sql")
	require.NoError(t, err)
	for _, stmt := range sqlscript.Statements(string(raw)) {
		_, err := db.DB.ExecContext(ctx, stmt)
		require.NoError(t, err, stmt)
	}
}

// pyflyConfig reads a pyfly application's YAML, its event store on the datasource events at url.
func pyflyConfig(t *testing.T, url, ddlAuto, strategy, format string) config.Config {
	t.Helper()
	cfg, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(`
pyfly:
  data:
    relational:
      ddl-auto: `+ddlAuto+`
      datasources:
        events:
          url: "`+url+`"
          pool-size: 3
  eventsourcing:
    enabled: true
    store:
      provider: sqlalchemy
      datasource: events
      position-strategy: `+strategy+`
      payload-format: `+format+`
    snapshot:
      provider: sqlalchemy
      datasource: events
`)))
	require.NoError(t, err)
	return cfg
}

// A pyfly YAML (ddl-auto, a datasource, position-strategy) starts the stores on a database pyfly
// made: ddl-auto update adopts its tables, the stores read pyfly's events and, with
// payload-format pyfly, write rows pyfly reads.
func TestPyflyConfigurationStartsOnPyflyDatabase(t *testing.T) {
	for name, url := range map[string]func(testing.TB) string{"postgres": pgtest.Start, "sqlite": testkit.SQLiteFileURL} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			u := url(t)
			pyflyDatabase(t, u, "a")
			strategy := "auto"
			if name == "postgres" {
				strategy = "xid8"
			}

			// validate checks, and says what to set.
			s, err := autoconfig.NewSettings(pyflyConfig(t, u, "validate", strategy, "pyfly"), discard)
			require.NoError(t, err)
			dbs, err := autoconfig.NewDatabases(s)
			require.NoError(t, err)
			err = dbs.Start(ctx)
			require.ErrorIs(t, err, bunstore.ErrSchema)
			assert.Contains(t, err.Error(), "(from pyfly.data.relational.datasources.events.url): table pyfly_event_store is in pyfly's layout "+
				"(no column global_position, no column recorded_at): migrating adopts it in place, keeping every row and numbering the events in pyfly's order; ")
			assert.Contains(t, err.Error(), "set pyfly.eventsourcing.store.auto-migrate: true (or pyfly.data.relational.ddl-auto: update) "+
				"to upgrade the tables on start, or run the migrations")

			// update adopts them.
			s, err = autoconfig.NewSettings(pyflyConfig(t, u, "update", strategy, "pyfly"), discard)
			require.NoError(t, err)
			assert.Equal(t, s.EventStore.Source.Key(), s.SnapshotStore.Source.Key(), "one database")
			dbs, err = autoconfig.NewDatabases(s)
			require.NoError(t, err)
			store, err := autoconfig.NewEventStore(s, dbs, nil)
			require.NoError(t, err)
			snaps, err := autoconfig.NewSnapshotStore(s, dbs)
			require.NoError(t, err)
			require.NoError(t, dbs.Start(ctx))
			t.Cleanup(func() { _ = dbs.Close() })

			events, err := store.Load(ctx, "o-1", 0)
			require.NoError(t, err)
			require.Len(t, events, 2)
			assert.JSONEq(t, `{"order_id":"o-1","amount":99,"note":"Café ☃"}`, string(events[0].Payload))
			assert.Equal(t, map[string]any{"correlation_id": "c-1"}, events[0].Metadata)
			_, ok, err := snaps.Load(ctx, "o-1")
			require.NoError(t, err)
			assert.True(t, ok)

			e, err := es.NewEnvelope(struct {
				Carrier string `json:"carrier"`
			}{"Post"})
			require.NoError(t, err)
			e.EventType = "OrderShipped"
			require.NoError(t, store.Append(ctx, "o-3", "Order", 1, []es.Envelope{e}))
			var payload string
			require.NoError(t, dbs.EventStoreDB().NewSelect().Table(bunstore.TableEvents).Column("payload").
				Where("event_id = ?", e.EventID).Scan(ctx, &payload))
			assert.True(t, strings.HasPrefix(payload, `{"event_id": "`+e.EventID+`", "aggregate_id": "o-3", "aggregate_type": "Order", "sequence": 2, `), payload)
			all, err := store.ReadAll(ctx, 0, 100)
			require.NoError(t, err)
			require.Len(t, all, 6)
			assert.Equal(t, e.EventID, all[5].EventID)
		})
	}
}

// The error cases of pyfly's keys that depend on the database name their keys.
func TestPyflyKeysNeedTheirDatabase(t *testing.T) {
	cfg := pyflyConfig(t, testkit.SQLiteFileURL(t), "update", "xid8", "compact")
	_, err := autoconfig.NewSettings(cfg, discard)
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "eventsourcing: pyfly.eventsourcing.store.position-strategy: xid8 numbers global positions by PostgreSQL "+
		"transaction ids, but the event store is on SQLite (")
	assert.Contains(t, err.Error(), "from pyfly.data.relational.datasources.events.url), whose positions follow the insert order; use auto there")

	cfg = enabledConfig()
	cfg.Store.PositionStrategy = "xid8"
	_, err = autoconfig.NewSettings(cfg, discard)
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "but the event store is in memory")

	// ddl-auto sets auto-migrate where a store sets none; a store's own setting wins.
	no := false
	cfg = pyflyConfig(t, testkit.SQLiteFileURL(t), "create-drop", "auto", "compact")
	s, err := autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	require.NotNil(t, s.EventStore.AutoMigrate)
	assert.True(t, *s.EventStore.AutoMigrate)
	cfg.Store.AutoMigrate = &no
	s, err = autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	assert.False(t, *s.EventStore.AutoMigrate)
	assert.True(t, *s.SnapshotStore.AutoMigrate)
}
