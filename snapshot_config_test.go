package eventsourcing_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// snapshotsApartWarning starts the module's warning about snapshots outside the event store's
// database.
const snapshotsApartWarning = "pyfly.eventsourcing.store.url is set and pyfly.eventsourcing.snapshot.url is not"

// With only YAML (no es.WithSnapshots in code), a repository built with the module's
// RepositoryOptions takes snapshots at snapshot.interval into the configured store, on SQLite
// and on PostgreSQL.
func TestSnapshotsFromConfigurationAlone(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return testkit.SQLiteFileURL(t) },
		"postgres": func(t *testing.T) string { return pgtest.Start(t) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			url := url(t)
			k, err := config.LoadKoanf(config.WithoutEnv(), config.WithYAML([]byte(`
pyfly:
  eventsourcing:
    enabled: true
    store: {provider: bun, url: "`+url+`", auto-migrate: true}
    snapshot: {provider: bun, url: "`+url+`", interval: 3}
`)))
			require.NoError(t, err)
			var opts autoconfig.RepositoryOptions
			b, logs := startApp(t, k, fx.Populate(&opts))
			require.NotContains(t, logs.String(), snapshotsApartWarning)
			ctx := context.Background()
			repo, err := es.NewRepository(b.Store, newOrder, opts...)
			require.NoError(t, err)

			o := newOrder()
			o.ID = "order-1"
			require.NoError(t, o.Apply(OrderPlaced{Amount: 1}))
			require.NoError(t, o.Apply(OrderShipped{Carrier: "DHL"}))
			require.NoError(t, repo.Save(ctx, o))
			rows := func() int {
				n, err := b.DBs.SnapshotStoreDB().NewSelect().Table(bunstore.TableSnapshots).Count(ctx)
				require.NoError(t, err)
				return int(n)
			}
			require.Zero(t, rows(), "version 2 crosses no multiple of 3")

			require.NoError(t, o.Apply(OrderPlaced{Amount: 5}))
			require.NoError(t, repo.Save(ctx, o))
			require.Equal(t, 1, rows(), "version 3 crosses 3")
			snap, ok, err := b.Snapshots.Load(ctx, "order-1")
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, int64(3), snap.Sequence)
			require.JSONEq(t, `{"ID":"order-1","Version":3,"Amount":5,"Carrier":"DHL"}`, string(snap.Payload))

			for range 3 {
				require.NoError(t, o.Apply(OrderShipped{Carrier: "UPS"}))
			}
			require.NoError(t, repo.Save(ctx, o))
			snap, _, err = b.Snapshots.Load(ctx, "order-1")
			require.NoError(t, err)
			require.Equal(t, int64(6), snap.Sequence, "3→6 crosses 6")
			loaded, err := repo.Load(ctx, "order-1")
			require.NoError(t, err)
			require.Equal(t, "UPS", loaded.Carrier)
			require.EqualValues(t, 6, loaded.Version)
		})
	}
}

// The module warns at start when the snapshots follow the URL chain into another database than
// the event store's URL names.
func TestModuleWarnsWhenSnapshotsLandApart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	events, data := "sqlite:///"+filepath.Join(dir, "events.db"), "sqlite:///"+filepath.Join(dir, "app.db")
	_, logs := startApp(t, keys(t, enabled(map[string]any{
		"pyfly.eventsourcing.store.provider":    "bun",
		"pyfly.eventsourcing.store.url":         events,
		"pyfly.eventsourcing.snapshot.provider": "bun",
		"pyfly.data.relational.url":             data,
	})))
	require.Equal(t, 1, strings.Count(logs.String(), snapshotsApartWarning), logs.String())
	require.Contains(t, logs.String(), "level=WARN")
	require.Contains(t, logs.String(), "set pyfly.eventsourcing.snapshot.url to the event store's URL")
}
