package autoconfig_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// The module builds its databases on start; they must have the same pool and connection
// settings as bunstore.Open gives.
func TestDatabasesMatchBunstoreOpen(t *testing.T) {
	ctx := context.Background()
	for name, url := range map[string]func(t testing.TB) string{
		"sqlite file":   testkit.SQLiteFileURL,
		"sqlite memory": func(testing.TB) string { return "sqlite::memory:" },
		"postgres":      pgtest.Start,
	} {
		t.Run(name, func(t *testing.T) {
			u := url(t)
			want, err := bunstore.Open(ctx, u)
			require.NoError(t, err)
			t.Cleanup(func() { _ = want.Close() })

			cfg := config.Default()
			cfg.Enabled = true
			yes := true
			cfg.Store.StoreConfig = config.StoreConfig{Provider: "bun", URL: u, AutoMigrate: &yes}
			s, err := autoconfig.NewSettings(cfg, slog.New(slog.DiscardHandler))
			require.NoError(t, err)
			dbs, err := autoconfig.NewDatabases(s)
			require.NoError(t, err)
			t.Cleanup(func() { _ = dbs.Close() })
			require.NoError(t, dbs.Start(ctx))
			got := dbs.EventStoreDB()
			require.NoError(t, got.PingContext(ctx))

			require.Equal(t, want.Stats().MaxOpenConnections, got.Stats().MaxOpenConnections)
			require.Equal(t, want.Dialect().Name(), got.Dialect().Name())
			if name != "postgres" {
				for _, pragma := range []string{"busy_timeout", "journal_mode", "synchronous", "foreign_keys"} {
					require.Equal(t, pragmaOf(t, want, pragma), pragmaOf(t, got, pragma), "PRAGMA %s", pragma)
				}
			}
		})
	}
}

func pragmaOf(t *testing.T, db *bun.DB, name string) string {
	t.Helper()
	var v string
	require.NoError(t, db.QueryRowContext(context.Background(), "PRAGMA "+name).Scan(&v))
	return v
}
