package pgtest_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// connect opens a connection to dbURL, closed when the test ends.
func connect(t *testing.T, dbURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// adminURLOf points dbURL at the server's "postgres" database.
func adminURLOf(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	u.Path = "/postgres"
	return u.String()
}

func TestStart(t *testing.T) {
	var (
		mu      sync.Mutex
		dbs     = map[string]string{} // subtest name -> database name
		someURL string                // one database URL, to reach the server afterwards
	)
	t.Run("parallel", func(t *testing.T) {
		for _, name := range []string{"first", "second"} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				dbURL := pgtest.Start(t)
				if os.Getenv("ES_TEST_POSTGRES_URL") == "" {
					require.True(t, strings.HasPrefix(dbURL, "postgres://"), dbURL)
				} else { // the server's own URL may say postgresql://
					require.True(t, strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://"), dbURL)
				}
				ctx := t.Context()
				conn := connect(t, dbURL)

				var db string
				require.NoError(t, conn.QueryRow(ctx, "SELECT current_database()").Scan(&db))
				u, err := url.Parse(dbURL)
				require.NoError(t, err)
				require.Equal(t, "/"+db, u.Path)
				require.LessOrEqual(t, len(db), 63)

				var relations int
				require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM pg_class c
					JOIN pg_namespace n ON n.oid = c.relnamespace
					WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`).
					Scan(&relations))
				require.Zero(t, relations, "a fresh database has no relations")

				_, err = conn.Exec(ctx, `CREATE TABLE probe (id int PRIMARY KEY, note text NOT NULL)`)
				require.NoError(t, err)
				_, err = conn.Exec(ctx, `INSERT INTO probe VALUES (1, $1)`, name)
				require.NoError(t, err)
				var note string
				require.NoError(t, conn.QueryRow(ctx, `SELECT note FROM probe WHERE id = 1`).Scan(&note))
				require.Equal(t, name, note)

				var version string
				require.NoError(t, conn.QueryRow(ctx, "SHOW server_version").Scan(&version))
				require.NotEmpty(t, version)
				require.True(t, version[0] >= '0' && version[0] <= '9', "server_version %q", version)
				t.Logf("database %s on PostgreSQL %s", db, version)

				mu.Lock()
				dbs[name] = db
				someURL = dbURL
				mu.Unlock()
			})
		}
	})
	if t.Failed() {
		return
	}
	if len(dbs) == 0 {
		t.Skip("no PostgreSQL available")
	}
	require.Len(t, dbs, 2)
	require.NotEqual(t, dbs["first"], dbs["second"])

	// Both databases were dropped when their tests ended.
	conn := connect(t, adminURLOf(t, someURL))
	var left int
	require.NoError(t, conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_database WHERE datname = ANY($1)`,
		[]string{dbs["first"], dbs["second"]}).Scan(&left))
	require.Zero(t, left, "databases are dropped in cleanup")
}

func TestStartManyParallel(t *testing.T) {
	for i := range 12 {
		t.Run(fmt.Sprintf("n%02d", i), func(t *testing.T) {
			t.Parallel()
			conn := connect(t, pgtest.Start(t))
			_, err := conn.Exec(t.Context(), `CREATE TABLE t (id int)`)
			require.NoError(t, err)
		})
	}
}

func TestStartUnusualTestName(t *testing.T) {
	name := "Ünïcode név/with \"quotes\"; DROP DATABASE postgres; -- " + strings.Repeat("very long ", 10)
	t.Run(name, func(t *testing.T) {
		conn := connect(t, pgtest.Start(t))
		var db string
		require.NoError(t, conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&db))
		require.LessOrEqual(t, len(db), 63)
		require.Regexp(t, `^[a-z0-9_]+_[0-9a-f]{8}$`, db)
	})
}

// ES_TEST_POSTGRES_URL names a server to create the databases on (the path every platform has).
func TestStartOnGivenServer(t *testing.T) {
	admin := adminURLOf(t, pgtest.Start(t))
	t.Setenv("ES_TEST_POSTGRES_URL", admin)
	var dbURL string
	t.Run("given", func(t *testing.T) {
		dbURL = pgtest.Start(t)
		u, err := url.Parse(dbURL)
		require.NoError(t, err)
		a, err := url.Parse(admin)
		require.NoError(t, err)
		require.Equal(t, a.Host, u.Host, "the database is on the given server")
		conn := connect(t, dbURL)
		_, err = conn.Exec(t.Context(), `CREATE TABLE t (id int)`)
		require.NoError(t, err)
	})
	conn := connect(t, admin)
	var left int
	require.NoError(t, conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_database WHERE datname = $1`,
		strings.TrimPrefix(mustPath(t, dbURL), "/")).Scan(&left))
	require.Zero(t, left, "dropped in cleanup")
}

func mustPath(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.Path
}

func TestServerSurvivesAKill(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.NewServer(t, "synchronous_commit=on")
	conn, err := pgx.Connect(ctx, srv.URL())
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "CREATE TABLE kept (n int)")
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "INSERT INTO kept VALUES (1)")
	require.NoError(t, err)
	require.NoError(t, srv.Kill())
	_, err = conn.Exec(ctx, "SELECT 1")
	require.Error(t, err, "the server is gone")
	require.NoError(t, srv.Restart())
	conn, err = pgx.Connect(ctx, srv.URL())
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n int
	require.NoError(t, conn.QueryRow(ctx, "SELECT n FROM kept").Scan(&n))
	require.Equal(t, 1, n, "a committed row survives the crash")
}
