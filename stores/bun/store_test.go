package bunstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

func countRows(t *testing.T, db *bun.DB, table string) int {
	t.Helper()
	var n int
	require.NoError(t, db.DB.QueryRow("SELECT count(*) FROM "+table).Scan(&n))
	return n
}

func TestAtomicity(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			s := newEventStore(t, db)
			snaps, err := bunstore.NewSnapshotStore(db)
			require.NoError(t, err)
			stored := envs(t, 1)
			require.NoError(t, s.Append(ctx, "a", "T", 0, stored))

			// A multi-event append whose last event clashes with a stored event id fails whole.
			batch := envs(t, 3)
			batch[2].EventID = stored[0].EventID
			err = s.Append(ctx, "b", "T", 0, batch)
			require.ErrorIs(t, err, es.ErrInvalidArgument)
			require.NotErrorIs(t, err, es.ErrConcurrency)
			assert.Contains(t, err.Error(), "event id already stored")
			assert.Empty(t, batch[0].AggregateID, "envelopes are filled only on success")
			assert.Equal(t, 1, countRows(t, db, "pyfly_event_store"))

			// A rolled-back InTx leaves neither events nor snapshot.
			boom := errors.New("boom")
			err = s.InTx(ctx, func(ctx context.Context) error {
				if err := s.Append(ctx, "c", "T", 0, envs(t, 5)); err != nil {
					return err
				}
				if err := s.Append(ctx, "a", "T", 1, envs(t, 2)); err != nil {
					return err
				}
				if err := snaps.Save(ctx, es.Snapshot{AggregateID: "c", AggregateType: "T", Sequence: 5, Payload: json.RawMessage(`{}`)}); err != nil {
					return err
				}
				return boom
			})
			require.ErrorIs(t, err, boom)
			assert.Equal(t, 1, countRows(t, db, "pyfly_event_store"))
			assert.Equal(t, 0, countRows(t, db, "pyfly_snapshots"))

			// A panic rolls back too, and is re-raised.
			assert.PanicsWithValue(t, "kaboom", func() {
				_ = s.InTx(ctx, func(ctx context.Context) error {
					require.NoError(t, s.Append(ctx, "d", "T", 0, envs(t, 1)))
					panic("kaboom")
				})
			})
			assert.Equal(t, 1, countRows(t, db, "pyfly_event_store"))

			// Nested InTx joins; the outer commit makes everything visible together.
			require.NoError(t, bunstore.InTx(ctx, db, func(ctx context.Context) error {
				outer, ok := bunstore.TxFrom(ctx)
				require.True(t, ok)
				return bunstore.InTx(ctx, db, func(ctx context.Context) error {
					inner, _ := bunstore.TxFrom(ctx)
					require.Equal(t, outer.Tx, inner.Tx, "a nested InTx joins the outer transaction")
					if err := s.Append(ctx, "e", "T", 0, envs(t, 2)); err != nil {
						return err
					}
					return snaps.Save(ctx, es.Snapshot{AggregateID: "e", AggregateType: "T", Sequence: 2, Payload: json.RawMessage(`{"x":1}`)})
				})
			}))
			assert.Equal(t, 3, countRows(t, db, "pyfly_event_store"))
			assert.Equal(t, 1, countRows(t, db, "pyfly_snapshots"))
			_, ok := bunstore.TxFrom(ctx)
			assert.False(t, ok)
		})
	}
}

func TestJoinsTx(t *testing.T) {
	db := openDB(t, "sqlite::memory:")
	other := openDB(t, "sqlite::memory:")
	snaps, err := bunstore.NewSnapshotStore(db)
	require.NoError(t, err)
	ctx := context.Background()
	assert.False(t, snaps.JoinsTx(ctx))
	require.NoError(t, newEventStore(t, db).InTx(ctx, func(ctx context.Context) error {
		assert.True(t, snaps.JoinsTx(ctx))
		return nil
	}))
	require.NoError(t, newEventStore(t, other).InTx(ctx, func(ctx context.Context) error {
		assert.False(t, snaps.JoinsTx(ctx), "a transaction on another database")
		return nil
	}))
}

func TestSnapshotUpsertKeepsNewer(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			snaps, err := bunstore.NewSnapshotStore(openDB(t, b.url(t)))
			require.NoError(t, err)
			save := func(seq int64, state string) {
				require.NoError(t, snaps.Save(ctx, es.Snapshot{AggregateID: "a", AggregateType: "T", Sequence: seq, Payload: json.RawMessage(state)}))
			}
			save(10, `{"v":10}`)
			save(5, `{"v":5}`)
			save(10, `{"v":"again"}`)
			got, ok, err := snaps.Load(ctx, "a")
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, int64(10), got.Sequence)
			assert.JSONEq(t, `{"v":10}`, string(got.Payload))
			assert.Equal(t, "UTC", got.CreatedAt.Location().String())
			save(11, `{"v":11}`)
			got, _, err = snaps.Load(ctx, "a")
			require.NoError(t, err)
			assert.Equal(t, int64(11), got.Sequence)
		})
	}
}

func TestBadInput(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			s := newEventStore(t, db)

			long := strings.Repeat("é", 33) // 66 bytes, 33 characters
			err := s.Append(ctx, long, "T", 0, envs(t, 1))
			require.ErrorIs(t, err, es.ErrInvalidArgument)
			assert.Contains(t, err.Error(), "64 bytes")

			bad := envs(t, 1)
			bad[0].Payload = json.RawMessage(`not json`)
			require.ErrorIs(t, s.Append(ctx, "a", "T", 0, bad), es.ErrInvalidArgument)
			bad[0].Payload = json.RawMessage(`[1,2]`)
			require.ErrorIs(t, s.Append(ctx, "a", "T", 0, bad), es.ErrInvalidArgument)
			assert.Equal(t, 0, countRows(t, db, "pyfly_event_store"))

			hostile := []string{`'; DROP TABLE pyfly_event_store; --`, `"quoted" \ back\slash`, `$1 ? ?1 :name %s`, `Robert'); DELETE FROM pyfly_snapshots;--`}
			for i, id := range hostile {
				e := envs(t, 1)
				e[0].EventType = id
				e[0].TenantID = id[:min(len(id), 64)]
				e[0].Metadata = map[string]any{id: id}
				require.NoError(t, s.Append(ctx, id, id, 0, e))
				got, err := s.Load(ctx, id, 0)
				require.NoError(t, err)
				require.Len(t, got, 1)
				assert.Equal(t, id, got[0].AggregateID)
				assert.Equal(t, id, got[0].AggregateType)
				assert.Equal(t, id, got[0].EventType)
				assert.Equal(t, map[string]any{id: id}, got[0].Metadata)
				assert.Equal(t, i+1, countRows(t, db, "pyfly_event_store"))
			}

			_, err = s.ReadAll(ctx, -1, 10)
			require.ErrorIs(t, err, es.ErrInvalidArgument)
			_, err = s.ReadAll(ctx, 0, 0)
			require.ErrorIs(t, err, es.ErrInvalidArgument)
			last, err := s.LastPosition(ctx)
			require.NoError(t, err)
			_, err = s.ReadAll(ctx, last+12345, 10)
			require.ErrorIs(t, err, es.ErrInvalidArgument)
			assert.Contains(t, err.Error(), "not on the stream")

			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			err = s.Append(cancelled, "c", "T", 0, envs(t, 1))
			require.ErrorIs(t, err, context.Canceled)
			_, err = s.Load(cancelled, "c", 0)
			require.ErrorIs(t, err, context.Canceled)
			_, err = s.ReadAll(cancelled, 0, 10)
			require.ErrorIs(t, err, context.Canceled)
			err = s.InTx(cancelled, func(context.Context) error { return nil })
			require.ErrorIs(t, err, context.Canceled)
		})
	}
}

func TestMissingTable(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := bunstore.Open(ctx, b.url(t))
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			s := newEventStore(t, db)
			snaps, err := bunstore.NewSnapshotStore(db)
			require.NoError(t, err)

			err = s.Append(ctx, "a", "T", 0, envs(t, 1))
			require.ErrorIs(t, err, bunstore.ErrSchema)
			assert.Contains(t, err.Error(), "pyfly_event_store")
			assert.Contains(t, err.Error(), "Migrate")
			_, err = s.ReadAll(ctx, 0, 10)
			require.ErrorIs(t, err, bunstore.ErrSchema)
			_, _, err = snaps.Load(ctx, "a")
			require.ErrorIs(t, err, bunstore.ErrSchema)
			assert.Contains(t, err.Error(), "pyfly_snapshots")

			err = bunstore.Prepare(ctx, db, false)
			require.ErrorIs(t, err, bunstore.ErrSchema)
			assert.Contains(t, err.Error(), "pyfly_event_store")
			assert.Contains(t, err.Error(), "auto-migrate")

			// A foreign table with the right name but missing columns.
			_, err = db.DB.ExecContext(ctx, "CREATE TABLE pyfly_event_store (event_id VARCHAR(64) PRIMARY KEY, aggregate_id VARCHAR(64))")
			require.NoError(t, err)
			err = bunstore.CheckSchema(ctx, db)
			require.ErrorIs(t, err, bunstore.ErrSchema)
			assert.Contains(t, err.Error(), "column aggregate_type")
		})
	}
}

func TestRestoredDatabaseGuard(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, backends()[0].url(t))
	_, err := db.DB.ExecContext(ctx, `INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, global_position)
		VALUES ('e', 'a', 'T', 1, 'E', '{}', '{}', now(), 1, (pg_snapshot_xmax(pg_current_snapshot())::text::bigint + 1000) * 1048576)`)
	require.NoError(t, err)
	err = bunstore.Prepare(ctx, db, true)
	require.ErrorIs(t, err, bunstore.ErrPositionsAhead)
	assert.Contains(t, err.Error(), "restored")
}

func TestLoadRoundTrip(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			s := newEventStore(t, openDB(t, b.url(t)))
			in := envs(t, 3)
			in[1].Metadata = map[string]any{"n": 1, "nested": map[string]any{"k": []int{1, 2}}}
			in[2].TenantID = "tenant-1"
			require.NoError(t, s.Append(ctx, "a", "Order", 0, in))
			assert.Equal(t, int64(3), in[2].Sequence)
			got, err := s.Load(ctx, "a", 0)
			require.NoError(t, err)
			require.Len(t, got, 3)
			for i := range got {
				assert.Equal(t, in[i].EventID, got[i].EventID)
				assert.JSONEq(t, string(in[i].Payload), string(got[i].Payload))
				assert.Equal(t, "UTC", got[i].OccurredAt.Location().String())
				assert.WithinDuration(t, in[i].OccurredAt, got[i].OccurredAt, 0*1000+1000)
				assert.Positive(t, got[i].GlobalPosition)
			}
			assert.Equal(t, map[string]any{"n": float64(1), "nested": map[string]any{"k": []any{float64(1), float64(2)}}}, got[1].Metadata)
			assert.Equal(t, map[string]any{}, got[0].Metadata)
			assert.Equal(t, "tenant-1", got[2].TenantID)
			v, err := s.LatestVersion(ctx, "a")
			require.NoError(t, err)
			assert.Equal(t, int64(3), v)
		})
	}
}

func TestInTxOnTwoDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := openDB(t, testkit.SQLiteFileURL(t)), openDB(t, testkit.SQLiteFileURL(t))
	sa, sb := newEventStore(t, a), newEventStore(t, b)
	boom := errors.New("boom")
	err := sa.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, sa.Append(ctx, "x", "T", 0, envs(t, 1)))
		require.NoError(t, sb.InTx(ctx, func(ctx context.Context) error {
			// Both transactions are open: each store joins its own.
			require.NoError(t, sb.Append(ctx, "y", "T", 0, envs(t, 1)))
			return sa.Append(ctx, "x", "T", 1, envs(t, 1))
		}))
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, 0, countRows(t, a, "pyfly_event_store"), "the outer transaction rolled back")
	assert.Equal(t, 1, countRows(t, b, "pyfly_event_store"), "the inner one on another DB committed")
}

func TestSQLiteWriterWaitsAndHonoursItsContext(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, testkit.SQLiteFileURL(t))
	s := newEventStore(t, db)
	holding := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.InTx(ctx, func(ctx context.Context) error {
			if err := s.Append(ctx, "a", "T", 0, envs(t, 1)); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	err := s.Append(short, "b", "T", 0, envs(t, 1))
	require.Error(t, err)
	require.ErrorIs(t, err, context.DeadlineExceeded, "a writer waiting for the lock stops with its context, not with SQLITE_BUSY")

	waited := make(chan error, 1)
	go func() { waited <- s.Append(ctx, "c", "T", 0, envs(t, 1)) }()
	time.Sleep(50 * time.Millisecond)
	close(release)
	require.NoError(t, <-done)
	require.NoError(t, <-waited, "a writer waits for the lock instead of failing")
	assert.Equal(t, 2, countRows(t, db, "pyfly_event_store"))
}

func TestOpenRelativeSQLitePath(t *testing.T) {
	t.Chdir(t.TempDir())
	db := openDB(t, "sqlite+aiosqlite:///./data.db")
	require.NoError(t, newEventStore(t, db).Append(context.Background(), "a", "T", 0, envs(t, 1)))
	_, err := os.Stat("data.db")
	require.NoError(t, err)
}

func TestLargeBatch(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			s := newEventStore(t, openDB(t, b.url(t)))
			require.NoError(t, s.Append(ctx, "big", "T", 0, envs(t, 4500)))
			got, err := s.Load(ctx, "big", 0)
			require.NoError(t, err)
			require.Len(t, got, 4500)
			assert.Equal(t, int64(4500), got[4499].Sequence)
			all, err := s.ReadAll(ctx, 0, 5000)
			require.NoError(t, err)
			require.Len(t, all, 4500)
			for i := 1; i < len(all); i++ {
				require.Greater(t, all[i].GlobalPosition, all[i-1].GlobalPosition)
			}
		})
	}
}

func TestReadAllHugeLimit(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newEventStore(t, openDB(t, b.url(t)))
			ctx := context.Background()
			require.NoError(t, s.Append(ctx, "a", "T", 0, envs(t, 2)))
			got, err := s.ReadAll(ctx, 0, int(^uint(0)>>1))
			require.NoError(t, err)
			assert.Len(t, got, 2)
		})
	}
}
