package bunstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

// outboxTableRows reads every column of every outbox record, in seq order, as the driver gives
// them.
func outboxTableRows(t *testing.T, db *bun.DB) [][]any {
	t.Helper()
	rows, err := db.DB.Query(`SELECT * FROM pyfly_outbox ORDER BY seq`)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		out = append(out, vals)
	}
	require.NoError(t, rows.Err())
	return out
}

// outboxTableLayout describes the outbox table: whether its DDL asks for AUTOINCREMENT, the
// column that is its rowid, and the names of its indexes, sorted.
func outboxTableLayout(t *testing.T, db *bun.DB) (autoincrement bool, rowid string, indexes []string) {
	t.Helper()
	require.NoError(t, db.DB.QueryRow(`SELECT instr(upper(sql), 'AUTOINCREMENT') > 0 FROM sqlite_master
		WHERE type = 'table' AND name = 'pyfly_outbox'`).Scan(&autoincrement))
	require.NoError(t, db.DB.QueryRow(`SELECT coalesce((SELECT name FROM pragma_table_info('pyfly_outbox') WHERE pk = 1 AND upper(type) = 'INTEGER'
		AND (SELECT count(*) FROM pragma_table_info('pyfly_outbox') WHERE pk > 0) = 1), '')`).Scan(&rowid))
	indexes = queryStrings(t, db, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'pyfly_outbox' ORDER BY name`)
	return autoincrement, rowid, indexes
}

// outboxEvents returns n events of aggregate id, at sequences from..from+n-1 and global positions
// from pos on, as an append gives them back.
func outboxEvents(t *testing.T, id string, from, pos int64, n int) []es.Envelope {
	t.Helper()
	out := envs(t, n)
	for i := range out {
		out[i].AggregateID, out[i].AggregateType = id, "Parcel"
		out[i].Sequence, out[i].GlobalPosition = from+int64(i), pos+int64(i)
	}
	return out
}

// TestMigrate0010RebuildsTheSQLiteOutboxTable: an outbox table as migrations 0004 and 0008 made
// it (seq AUTOINCREMENT), holding records delivered, dead, claimed and pending in two outboxes,
// keeps every column of every record in a table whose seq is a plain rowid, with the same
// indexes and nothing left behind; claims, dead letters and order hold across the migration, a
// new record goes after every one the table holds, and running the rebuild again changes nothing.
func TestMigrate0010RebuildsTheSQLiteOutboxTable(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, testkit.SQLiteFileURL(t))
	// The outbox table as migrations 0004 and 0008 left it, with 0010 not yet applied.
	_, err := db.DB.Exec(`DROP TABLE pyfly_outbox`)
	require.NoError(t, err)
	execSQLFile(t, db, "migrations/sqlite/0004_outbox.tx.up.sql")
	execSQLFile(t, db, "migrations/sqlite/0008_dead_letter_skips.tx.up.sql")
	_, err = db.DB.Exec(`DELETE FROM pyfly_es_migrations WHERE name = '0010'`)
	require.NoError(t, err)
	auto, rowid, indexesBefore := outboxTableLayout(t, db)
	require.True(t, auto, "the table has the layout of migration 0004")
	require.Equal(t, "seq", rowid)

	store := newOutboxStore(t, db)
	now := time.Now().UTC().Truncate(time.Microsecond)
	a, b := outboxEvents(t, "parcel-a", 1, 1, 3), outboxEvents(t, "parcel-b", 1, 4, 3)
	require.NoError(t, store.Enqueue(ctx, "ob", []es.Envelope{a[0], b[0], a[1], b[1], a[2], b[2]}, now))
	require.NoError(t, store.Enqueue(ctx, "other", outboxEvents(t, "parcel-c", 1, 7, 1), now))
	gone := outboxEvents(t, "parcel-d", 1, 8, 1)
	require.NoError(t, store.Enqueue(ctx, "other", gone, now))
	_, err = db.DB.Exec(`DELETE FROM pyfly_outbox WHERE event_id = ?`, gone[0].EventID) // the counter stays above the table's highest seq
	require.NoError(t, err)

	claimed, err := store.Claim(ctx, outbox.ClaimRequest{Outbox: "ob", Owner: "relay-1", Limit: 10, PerAggregate: 10, Now: now, Until: now.Add(time.Hour)})
	require.NoError(t, err)
	require.Len(t, claimed, 6)
	byID := map[string]outbox.Record{}
	for _, r := range claimed {
		byID[r.ID] = r
	}
	n, err := store.MarkDelivered(ctx, "ob", []outbox.Claim{byID[a[0].EventID].Claim(), byID[a[1].EventID].Claim()}, now)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	ok, err := store.MarkFailed(ctx, "ob", byID[b[0].EventID].Claim(), outbox.Failure{Error: "broker down", At: now, Dead: true})
	require.NoError(t, err)
	require.True(t, ok)
	// a[2], b[1] and b[2] stay claimed by relay-1 for an hour.
	before := outboxTableRows(t, db)
	require.Len(t, before, 7)

	require.NoError(t, bunstore.Prepare(ctx, db, true))
	assert.Equal(t, allMigrations, migrations(t, db))

	check := func(t *testing.T) {
		t.Helper()
		auto, rowid, indexes := outboxTableLayout(t, db)
		assert.False(t, auto, "no AUTOINCREMENT")
		assert.Equal(t, "seq", rowid, "seq is the rowid")
		assert.Equal(t, indexesBefore, indexes, "the same indexes")
		var copies, counters int
		require.NoError(t, db.DB.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name LIKE 'pyfly_outbox_rebuild%'`).Scan(&copies))
		assert.Zero(t, copies, "no copy left behind")
		require.NoError(t, db.DB.QueryRow(`SELECT count(*) FROM sqlite_sequence WHERE name LIKE 'pyfly_outbox%'`).Scan(&counters))
		assert.Zero(t, counters, "no counter left behind")
	}
	check(t)
	assert.Equal(t, before, outboxTableRows(t, db), "every column of every record kept, in seq order")

	// The claims still hold: another relay finds nothing due in "ob".
	none, err := store.Claim(ctx, outbox.ClaimRequest{Outbox: "ob", Owner: "relay-2", Limit: 10, PerAggregate: 10, Now: now, Until: now.Add(time.Hour)})
	require.NoError(t, err)
	assert.Empty(t, none)
	pending, err := store.Pending(ctx, "ob", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{b[1].EventID, a[2].EventID, b[2].EventID}, recordIDs(pending))
	dead, err := store.DeadLetters(ctx, "ob", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{b[0].EventID}, recordIDs(dead))

	// Enqueueing again leaves a record as it is; a new record goes after every one in the table,
	// and once the claims expire the runs come in enqueue order.
	require.NoError(t, store.Enqueue(ctx, "ob", a[:1], now))
	more := outboxEvents(t, "parcel-a", 4, 9, 1)
	require.NoError(t, store.Enqueue(ctx, "ob", more, now))
	rows := outboxTableRows(t, db)
	require.Len(t, rows, 8)
	assert.Equal(t, before, rows[:7], "the enqueue again changed nothing")
	assert.Greater(t, rows[7][0], before[6][0], "the new record's seq is above every other")
	later := now.Add(2 * time.Hour)
	runs, err := store.Claim(ctx, outbox.ClaimRequest{Outbox: "ob", Owner: "relay-2", Limit: 10, PerAggregate: 10, Now: later, Until: later.Add(time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, []string{b[1].EventID, a[2].EventID, b[2].EventID, more[0].EventID}, recordIDs(runs))
	other, err := store.Pending(ctx, "other", 10)
	require.NoError(t, err)
	assert.Len(t, other, 1, "the other outbox is untouched")

	// Running the rebuild again changes nothing.
	rows = outboxTableRows(t, db)
	rebuildAgain(t, db, "0010_outbox_seq.tx.up.sql")
	check(t)
	assert.Equal(t, rows, outboxTableRows(t, db))
}

// recordIDs lists the records' ids in order.
func recordIDs(recs []outbox.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}
