package bunstore

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIsWriteSQL(t *testing.T) {
	for query, want := range map[string]bool{
		"SELECT 1":                                    false,
		"  select * from pyfly_event_store":           false,
		"-- a comment\nSELECT 1":                      false,
		"/* c */ SELECT 1":                            false,
		"(SELECT 1)":                                  false,
		"VALUES (1)":                                  false,
		"EXPLAIN QUERY PLAN SELECT 1":                 false,
		"WITH w AS (SELECT 1) SELECT * FROM w":        false,
		"WITH w AS (SELECT 1) UPDATE t SET a = 1":     true,
		"with w as (select 1) insert into t values 1": true,
		"INSERT INTO t VALUES (1)":                    true,
		"UPDATE pyfly_outbox SET a = 1 RETURNING a":   true,
		"DELETE FROM t":                               true,
		"CREATE TABLE t (a)":                          true,
		"PRAGMA journal_mode=WAL":                     true,
		"":                                            true,
		"-- only a comment":                           true,
		"/* unterminated":                             true,
	} {
		assert.Equal(t, want, isWriteSQL(query), "%q", query)
	}
}

// Writers of one pool on a SQLite file, racing in transactions and in single statements (with
// RETURNING among them), each get in, one at a time: every write lands, none fails busy.
func TestWriteGateRacingWriters(t *testing.T) {
	src, err := Parse("sqlite:///" + t.TempDir() + "/gate.db")
	require.NoError(t, err)
	db, err := sqliteDialect{}.openDB(src)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	ctx := context.Background()
	_, err = db.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, w INTEGER NOT NULL, n INTEGER NOT NULL)")
	require.NoError(t, err)

	const writers, each = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				switch i % 3 {
				case 0:
					_, err := db.ExecContext(ctx, "INSERT INTO t (w, n) VALUES (?, ?)", w, i)
					errs <- err
				case 1:
					var id int64
					errs <- db.QueryRowContext(ctx, "INSERT INTO t (w, n) VALUES (?, ?) RETURNING id", w, i).Scan(&id)
				default:
					errs <- InTx(ctx, db, func(ctx context.Context) error {
						tx, _ := TxFrom(ctx)
						var n int
						if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM t WHERE w = ?", w).Scan(&n); err != nil {
							return err
						}
						if n != i {
							return fmt.Errorf("writer %d sees %d rows before its write %d", w, n, i)
						}
						_, err := tx.ExecContext(ctx, "INSERT INTO t (w, n) VALUES (?, ?)", w, i)
						return err
					})
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	var n int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n))
	require.Equal(t, writers*each, n)
}
