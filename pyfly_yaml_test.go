package eventsourcing_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/config"
	"github.com/gofly/eventsourcing/internal/sqlscript"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// A pyfly application's YAML, unchanged (the data module's ddl-auto and datasources, the event
// store on a datasource with pyfly's position strategy), starts the module on the PostgreSQL
// database a pyfly service of the newer generation made, and the module reads its events; the
// error cases of those keys name them.
func TestPyflyYAMLStartsTheModule(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Start(t)
	db, err := bunstore.Open(ctx, url)
	require.NoError(t, err)
	raw, err := os.ReadFile("stores/bun/testdata/pyfly_b_postgres.sql")
	require.NoError(t, err)
	for _, stmt := range sqlscript.Statements(string(raw)) {
		_, err := db.DB.ExecContext(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	require.NoError(t, db.Close())

	yaml := `
pyfly:
  data:
    relational:
      ddl-auto: update
      datasources:
        events:
          url: "` + strings.Replace(url, "postgres://", "postgresql+asyncpg://", 1) + `"
  eventsourcing:
    enabled: true
    store:
      provider: sqlalchemy
      datasource: events
      position-strategy: xid8
    snapshot:
      provider: sqlalchemy
      datasource: events
`
	k, err := config.LoadKoanf(config.WithYAML([]byte(yaml)), config.WithoutEnv())
	require.NoError(t, err)
	b, logs := startApp(t, k)
	all, err := b.Store.ReadAll(ctx, 0, 100)
	require.NoError(t, err)
	require.Len(t, all, 6, "pyfly's events, adopted")
	require.JSONEq(t, `{"order_id":"o-3","amount":7,"note":""}`, string(all[0].Payload))
	_, ok, err := b.Snapshots.Load(ctx, "o-1")
	require.NoError(t, err)
	require.True(t, ok)
	require.Contains(t, logs.String(), "from=pyfly.data.relational.datasources.events.url")

	for yaml, key := range map[string]string{
		"store: {provider: bun, url: 'sqlite::memory:', datasource: events}":      "pyfly.eventsourcing.store.datasource: is set together with pyfly.eventsourcing.store.url",
		"store: {provider: bun, datasource: nowhere}":                             "pyfly.eventsourcing.store.datasource: \"nowhere\" names no datasource",
		"store: {provider: bun, url: 'sqlite::memory:', position-strategy: xid8}": "pyfly.eventsourcing.store.position-strategy: xid8 numbers global positions by PostgreSQL transaction ids",
		"store: {position-strategy: head-row}":                                    "pyfly.eventsourcing.store.position-strategy: \"head-row\" is pyfly's strategy",
	} {
		k, err := config.LoadKoanf(config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    enabled: true\n    "+yaml+"\n")), config.WithoutEnv())
		require.NoError(t, err)
		app, _ := newApp(k, &beans{})
		require.ErrorIs(t, app.Err(), config.ErrInvalidConfig, yaml)
		require.ErrorContains(t, app.Err(), key)
	}
	k = keys(t, enabled(map[string]any{"pyfly.data.relational.ddl-auto": "auto"}))
	app, _ := newApp(k, &beans{})
	require.ErrorContains(t, app.Err(), `pyfly.data.relational.ddl-auto: "auto" is not a schema strategy`)
}
