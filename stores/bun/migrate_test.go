package bunstore_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/sqlscript"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// migrations lists what pyfly_es_migrations records, by name, with how many rows each has.
func migrations(t *testing.T, db *bun.DB) map[string]int {
	t.Helper()
	rows, err := db.DB.Query("SELECT name, count(*) FROM pyfly_es_migrations GROUP BY name")
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var name string
		var n int
		require.NoError(t, rows.Scan(&name, &n))
		out[name] = n
	}
	require.NoError(t, rows.Err())
	return out
}

var allMigrations = map[string]int{"0001": 1, "0002": 1, "0003": 1, "0004": 1, "0005": 1, "0006": 1, "0007": 1, "0008": 1, "0009": 1, "0010": 1, "0011": 1}

// buildLegacySchema creates the schema exactly as the runner of earlier releases did
// (testdata/legacy_<dialect>.sql), with its bookkeeping rows applied at a known time.
func buildLegacySchema(t *testing.T, db *bun.DB) {
	t.Helper()
	d, err := bunstore.DialectOf(db)
	require.NoError(t, err)
	execSQLFile(t, db, "testdata/legacy_"+string(d)+".sql")
	_, err = db.DB.Exec("UPDATE pyfly_es_migrations SET applied_at = '2024-05-01T10:00:00.123Z'")
	require.NoError(t, err)
}

// execSQLFile runs the statements of a fixture: each ends with a semicolon at the end of a line;
// lines that start with -- are comments.
func execSQLFile(t *testing.T, db *bun.DB, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, stmt := range sqlscript.Statements(string(raw)) {
		_, err := db.DB.Exec(stmt)
		require.NoError(t, err, stmt)
	}
}

// insertLegacyEvents writes n events of aggregate id as the store of earlier releases did, into
// the table of the legacy schema (positions 1..n).
func insertLegacyEvents(t *testing.T, db *bun.DB, id string, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		_, err := db.DB.Exec(fmt.Sprintf(`INSERT INTO pyfly_event_store
	(event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, global_position)
	VALUES ('%s', '%s', 'T', %d, 'Happened', '{"i":%d}', '{}', '2024-05-01T10:00:00.000000000Z', 1, %d)`, uuid.NewString(), id, i, i, i))
		require.NoError(t, err)
	}
}

func columns(t *testing.T, db *bun.DB, table string) []string {
	t.Helper()
	rows, err := db.DB.Query("SELECT * FROM " + table + " WHERE 1 = 0")
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	return cols
}

// TestMigrateConvertsTheEarlierTable: a database made by the earlier runner, holding events and
// a snapshot, keeps them; its pyfly_es_migrations becomes bun's table with the same migrations
// applied at the same time, and nothing is applied twice.
func TestMigrateConvertsTheEarlierTable(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := bunstore.Open(ctx, b.url(t))
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			buildLegacySchema(t, db)
			events := newEventStore(t, db)
			snaps, err := bunstore.NewSnapshotStore(db)
			require.NoError(t, err)
			insertLegacyEvents(t, db, "a", 3)
			require.NoError(t, snaps.Save(ctx, es.Snapshot{AggregateID: "a", AggregateType: "T", Sequence: 3, Payload: []byte(`{"n":3}`)}))

			require.NoError(t, bunstore.Prepare(ctx, db, true))
			assert.ElementsMatch(t, []string{"id", "name", "group_id", "migrated_at"}, columns(t, db, "pyfly_es_migrations"))
			assert.Equal(t, allMigrations, migrations(t, db))
			// bun reads the converted rows: group 1, applied_at kept; later migrations come after.
			applied, err := migrate.NewMigrator(db, migrate.NewMigrations(), migrate.WithTableName("pyfly_es_migrations")).AppliedMigrations(ctx)
			require.NoError(t, err)
			require.Len(t, applied, len(allMigrations))
			for _, m := range applied {
				if m.Name > "0002" {
					assert.Greater(t, m.GroupID, int64(1), m.Name)
					continue
				}
				assert.Equal(t, int64(1), m.GroupID, m.Name)
				assert.True(t, m.MigratedAt.Equal(time.Date(2024, 5, 1, 10, 0, 0, 123e6, time.UTC)), "%s applied at %v", m.Name, m.MigratedAt)
			}

			got, err := events.Load(ctx, "a", 0)
			require.NoError(t, err)
			assert.Len(t, got, 3)
			require.NoError(t, events.Append(ctx, "a", "T", 3, envs(t, 1)))
			_, ok, err := snaps.Load(ctx, "a")
			require.NoError(t, err)
			assert.True(t, ok)

			require.NoError(t, bunstore.Migrate(ctx, db))
			assert.Equal(t, allMigrations, migrations(t, db), "a second Migrate applies nothing")
		})
	}
}

// TestMigrateConcurrently: 8 pools migrate one database at once, fresh or made by the earlier
// runner; every call succeeds and every migration is recorded once.
func TestMigrateConcurrently(t *testing.T) {
	for _, b := range fileBackends() {
		for _, legacy := range []bool{false, true} {
			name := b.name + "/fresh"
			if legacy {
				name = b.name + "/earlier-table"
			}
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				url := b.url(t)
				if legacy {
					db, err := bunstore.Open(ctx, url)
					require.NoError(t, err)
					buildLegacySchema(t, db)
					require.NoError(t, db.Close())
				}
				var wg sync.WaitGroup
				errs := make([]error, 8)
				for i := range errs {
					wg.Go(func() {
						db, err := bunstore.Open(ctx, url)
						if err != nil {
							errs[i] = err
							return
						}
						defer db.Close()
						errs[i] = bunstore.Migrate(ctx, db)
					})
				}
				wg.Wait()
				for i, err := range errs {
					require.NoError(t, err, "pool %d", i)
				}
				db := openDB(t, url)
				require.NoError(t, bunstore.CheckSchema(ctx, db))
				assert.Equal(t, allMigrations, migrations(t, db))
			})
		}
	}
}

// TestMigrateLeavesNewerMigrations: a database migrated by a newer release, with a migration
// this code does not know, still prepares.
func TestMigrateLeavesNewerMigrations(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			_, err := db.NewInsert().Model(&map[string]any{"name": "0099", "group_id": 2}).TableExpr("pyfly_es_migrations").Exec(ctx)
			require.NoError(t, err)
			_, err = db.DB.ExecContext(ctx, "CREATE TABLE pyfly_from_the_future (id INTEGER)")
			require.NoError(t, err)

			require.NoError(t, bunstore.Prepare(ctx, db, true))
			assert.Equal(t, map[string]int{"0001": 1, "0002": 1, "0003": 1, "0004": 1, "0005": 1, "0006": 1, "0007": 1, "0008": 1, "0009": 1, "0010": 1, "0011": 1, "0099": 1}, migrations(t, db))
			require.NoError(t, newEventStore(t, db).Append(ctx, "a", "T", 0, envs(t, 1)))
		})
	}
}

// TestMigrateAfterACrashedMigrator: a migrator that claimed migration 0002 and died before
// committing holds nothing: the next Migrate waits for it while it lives, then applies 0002.
func TestMigrateAfterACrashedMigrator(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			url := b.url(t)
			db := openDB(t, url)
			_, err := db.DB.ExecContext(ctx, "DELETE FROM pyfly_es_migrations WHERE name = '0002'")
			require.NoError(t, err)
			_, err = db.DB.ExecContext(ctx, "DROP TABLE pyfly_snapshots")
			require.NoError(t, err)

			// The dying migrator: its own pool, a transaction that claimed 0002.
			dying, err := bunstore.Open(ctx, url)
			require.NoError(t, err)
			t.Cleanup(func() { _ = dying.Close() })
			conn, err := dying.DB.Conn(ctx)
			require.NoError(t, err)
			begin := "BEGIN"
			if b.name != "postgres" {
				begin = "BEGIN IMMEDIATE"
			}
			_, err = conn.ExecContext(ctx, begin)
			require.NoError(t, err)
			_, err = conn.ExecContext(ctx, "INSERT INTO pyfly_es_migrations (name, group_id) VALUES ('0002', 7)")
			require.NoError(t, err)
			var pid int
			if b.name == "postgres" {
				require.NoError(t, conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid))
			}

			next, err := bunstore.Open(ctx, url)
			require.NoError(t, err)
			t.Cleanup(func() { _ = next.Close() })
			done := make(chan error, 1)
			go func() { done <- bunstore.Migrate(ctx, next) }()
			select {
			case err := <-done:
				t.Fatalf("Migrate returned (%v) while another migrator held 0002", err)
			case <-time.After(300 * time.Millisecond):
			}

			// It dies: the server ends its session, or its SQLite connection closes.
			if b.name == "postgres" {
				_, err = db.DB.ExecContext(ctx, "SELECT pg_terminate_backend($1)", pid)
			} else {
				err = conn.Raw(func(dc any) error { return dc.(io.Closer).Close() })
			}
			require.NoError(t, err)
			_ = conn.Close()

			select {
			case err := <-done:
				require.NoError(t, err)
			case <-time.After(8 * time.Second):
				t.Fatal("Migrate still waits after the other migrator died")
			}
			require.NoError(t, bunstore.CheckSchema(ctx, db))
			assert.Equal(t, allMigrations, migrations(t, db))
		})
	}
}
