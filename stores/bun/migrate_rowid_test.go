package bunstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/benchkit"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

// storedRow is every column of a pyfly_event_store row, as text where SQLite keeps text.
type storedRow struct {
	Position                                       int64
	EventID, AggregateID, AggregateType, EventType string
	Sequence, Version                              int64
	Payload, Metadata, OccurredAt, RecordedAt      string
	Tenant                                         sql.NullString
}

// storedRows reads the event table in the order SQLite stores it (no ORDER BY: a table walks
// its own B-tree, in rowid order).
func storedRows(t *testing.T, db *bun.DB) []storedRow {
	t.Helper()
	rows, err := db.DB.Query(`SELECT global_position, event_id, aggregate_id, aggregate_type, event_type, sequence, version,
	payload, metadata, occurred_at, recorded_at, tenant_id FROM pyfly_event_store`)
	require.NoError(t, err)
	defer rows.Close()
	var out []storedRow
	for rows.Next() {
		var r storedRow
		require.NoError(t, rows.Scan(&r.Position, &r.EventID, &r.AggregateID, &r.AggregateType, &r.EventType, &r.Sequence, &r.Version,
			&r.Payload, &r.Metadata, &r.OccurredAt, &r.RecordedAt, &r.Tenant))
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	return out
}

// eventTableLayout describes the event table: the rowid column, and the columns of each unique
// index, sorted.
func eventTableLayout(t *testing.T, db *bun.DB) (rowid string, unique []string, tables []string) {
	t.Helper()
	require.NoError(t, db.DB.QueryRow(`SELECT coalesce((SELECT name FROM pragma_table_info('pyfly_event_store') WHERE pk = 1 AND upper(type) = 'INTEGER'
		AND (SELECT count(*) FROM pragma_table_info('pyfly_event_store') WHERE pk > 0) = 1), '')`).Scan(&rowid))
	unique = queryStrings(t, db, `SELECT (SELECT group_concat(c.name, ',') FROM pragma_index_info(l.name) AS c)
		FROM pragma_index_list('pyfly_event_store') AS l WHERE l."unique" = 1 ORDER BY 1`)
	tables = queryStrings(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'pyfly_event_store%' ORDER BY name`)
	return rowid, unique, tables
}

// queryStrings returns the one text column of the rows query gives, in order.
func queryStrings(t *testing.T, db *bun.DB, query string) []string {
	t.Helper()
	rows, err := db.DB.Query(query)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

// rebuildAgain runs the statements of a SQLite migration file (under migrations/sqlite) once
// more, in one transaction, as bun/migrate runs the file.
func rebuildAgain(t *testing.T, db *bun.DB, file string) {
	t.Helper()
	raw, err := os.ReadFile("migrations/sqlite/" + file)
	require.NoError(t, err)
	tx, err := db.DB.Begin()
	require.NoError(t, err)
	for _, stmt := range strings.Split(string(raw), "--bun:split") {
		_, err := tx.Exec(stmt)
		require.NoError(t, err, stmt)
	}
	require.NoError(t, tx.Commit())
}

// TestMigrate0005RebuildsTheSQLiteEventTable: a database the store wrote before migration 0005
// (testdata/sqlite_before_0005.sql: random event ids as the primary key, a separate unique index
// on global_position) keeps every event, column for column, in a table whose rowid is the
// position; the table is stored in position order; ids and (aggregate, sequence) stay unique;
// reads, retries and appends work; running the rebuild again changes nothing.
func TestMigrate0005RebuildsTheSQLiteEventTable(t *testing.T) {
	ctx := context.Background()
	db, err := bunstore.Open(ctx, testkit.SQLiteFileURL(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	execSQLFile(t, db, "testdata/sqlite_before_0005.sql")
	before := storedRows(t, db)
	require.Len(t, before, 8)
	rowid, _, _ := eventTableLayout(t, db)
	require.Equal(t, "", rowid, "the fixture has the earlier layout")
	if err := bunstore.CheckSchema(ctx, db); err != nil { // the fixture predates the later tables
		assert.NotContains(t, err.Error(), "pyfly_event_store", "the event table's columns are all there")
	}
	assert.ErrorIs(t, bunstore.Prepare(ctx, db, false), bunstore.ErrSchema, "the earlier layout is refused without migrating")

	require.NoError(t, bunstore.Prepare(ctx, db, true))
	assert.Equal(t, allMigrations, migrations(t, db))

	check := func(t *testing.T) {
		t.Helper()
		rowid, unique, tables := eventTableLayout(t, db)
		assert.Equal(t, "global_position", rowid, "the position is the rowid")
		assert.Equal(t, []string{"aggregate_id,sequence", "event_id"}, unique)
		assert.Equal(t, []string{"pyfly_event_store"}, tables, "no copy left behind")
		after := storedRows(t, db)
		want := append([]storedRow(nil), before...)
		// sorted by position: the fixture rows already are, and the rebuilt table walks in that order
		for i := 1; i < len(want); i++ {
			require.Less(t, want[i-1].Position, want[i].Position)
		}
		assert.Equal(t, want, after[:len(want)], "every column of every event kept, in position order")
	}
	check(t)

	// Reads through the store.
	s := newEventStore(t, db)
	all, err := s.ReadAll(ctx, 0, 100)
	require.NoError(t, err)
	require.Len(t, all, 8)
	for i, e := range all {
		b := before[i]
		assert.Equal(t, int64(i+1), e.GlobalPosition)
		assert.Equal(t, b.EventID, e.EventID)
		assert.Equal(t, b.AggregateID, e.AggregateID)
		assert.Equal(t, b.Sequence, e.Sequence)
		assert.JSONEq(t, b.Payload, string(e.Payload))
		assert.Equal(t, b.Tenant.String, e.TenantID)
	}
	assert.Equal(t, map[string]any{"n": 1.5, "nested": map[string]any{"big": json.Number("9007199254740993")}}, all[2].Metadata)
	assert.True(t, all[0].OccurredAt.Equal(time.Date(2024, 5, 1, 10, 0, 1, 123000, time.UTC)), "%v", all[0].OccurredAt)
	page, err := s.ReadAll(ctx, 3, 2)
	require.NoError(t, err)
	require.Len(t, page, 2)
	assert.Equal(t, []int64{4, 5}, []int64{page[0].GlobalPosition, page[1].GlobalPosition})
	_, err = s.ReadAll(ctx, 99, 10)
	assert.ErrorIs(t, err, es.ErrInvalidArgument, "a cursor not on the stream")
	last, err := s.LastPosition(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(8), last)
	order2, err := s.Load(ctx, "order-2", 0)
	require.NoError(t, err)
	require.Len(t, order2, 2)
	assert.Equal(t, []int64{3, 8}, []int64{order2[0].GlobalPosition, order2[1].GlobalPosition})
	v, err := s.LatestVersion(ctx, "account-7")
	require.NoError(t, err)
	assert.Equal(t, int64(3), v)
	snaps, err := bunstore.NewSnapshotStore(db)
	require.NoError(t, err)
	snap, ok, err := snaps.Load(ctx, "order-1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, int64(2), snap.Sequence)

	// Constraints: a stored id is refused, a taken (aggregate, sequence) is a conflict, a retry
	// of a stored event is recognised.
	taken := envs(t, 1)
	taken[0].EventID = before[4].EventID
	assert.ErrorIs(t, s.Append(ctx, "fresh", "T", 0, taken), es.ErrInvalidArgument)
	assert.ErrorIs(t, s.Append(ctx, "order-1", "Order", 2, envs(t, 1)), es.ErrConcurrency)
	_, err = db.DB.Exec(`INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version)
		VALUES ('x', 'order-1', 'Order', 3, 'E', '{}', '{}', '2024-05-01T10:00:00.000000000Z', 1)`)
	require.Error(t, err, "(aggregate_id, sequence) is unique")
	_, err = db.DB.Exec(`INSERT INTO pyfly_event_store (global_position, event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version)
		VALUES (8, 'y', 'z', 'Order', 1, 'E', '{}', '{}', '2024-05-01T10:00:00.000000000Z', 1)`)
	require.Error(t, err, "global_position is unique")
	retry := all[3] // order-1's event 3, as stored
	retry.GlobalPosition = 0
	require.NoError(t, s.Append(ctx, "order-1", "Order", 2, []es.Envelope{retry}), "a retry of a stored append succeeds without writing")
	check(t)

	// Appends go on at the next positions, through the repository too.
	require.NoError(t, s.Append(ctx, "order-1", "Order", 3, envs(t, 2)))
	fresh, err := s.ReadAll(ctx, 8, 10)
	require.NoError(t, err)
	require.Len(t, fresh, 2)
	assert.Equal(t, []int64{9, 10}, []int64{fresh[0].GlobalPosition, fresh[1].GlobalPosition})
	assert.Equal(t, []int64{4, 5}, []int64{fresh[0].Sequence, fresh[1].Sequence})
	repo, err := es.NewRepository(s, benchkit.NewOrder, es.WithAggregateType("Shop"))
	require.NoError(t, err)
	o := benchkit.NewOrder()
	o.ID = "shop-1"
	require.NoError(t, o.Apply(benchkit.NewOrderPlaced(1)))
	require.NoError(t, repo.Save(ctx, o))
	loaded, err := repo.Load(ctx, "shop-1")
	require.NoError(t, err)
	assert.Equal(t, 1, loaded.Count)
	last, err = s.LastPosition(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(11), last)

	// Running the rebuild again, and Migrate again, keep everything as it is.
	grown := storedRows(t, db)
	rebuildAgain(t, db, "0005_event_store_rowid.tx.up.sql")
	assert.Equal(t, grown, storedRows(t, db))
	require.NoError(t, bunstore.Migrate(ctx, db))
	assert.Equal(t, allMigrations, migrations(t, db))
	before = grown
	check(t)
}
