package bunstore

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/internal/sqlscript"

	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// On PostgreSQL, adoption numbers a large table in steps, each a transaction of its own whose id
// gives its events their positions: the positions still follow pyfly's order from one step to
// the next, and the columns become required only once every event has one.
func TestPostgresAdoptionNumbersInSteps(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, pgtest.Start(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	raw, err := os.ReadFile("testdata/pyfly_a_postgres.sql")
	require.NoError(t, err)
	for _, stmt := range sqlscript.Statements(string(raw)) {
		_, err := db.DB.ExecContext(ctx, stmt)
		require.NoError(t, err, stmt)
	}

	dl := postgresDialect{pgx: true, numberChunk: 2}
	require.NoError(t, adopt(ctx, db, dl))
	rows, err := db.DB.QueryContext(ctx, `SELECT event_id, global_position FROM pyfly_event_store ORDER BY global_position`)
	require.NoError(t, err)
	defer rows.Close()
	var order []string
	var spans []int64
	for rows.Next() {
		var id string
		var pos int64
		require.NoError(t, rows.Scan(&id, &pos))
		order = append(order, id[len(id)-1:])
		if len(spans) == 0 || spans[len(spans)-1] != pos/positionSpan {
			spans = append(spans, pos/positionSpan)
		}
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{"5", "1", "2", "3", "4"}, order)
	require.Len(t, spans, 3, "three steps of two, two and one events, each its own transaction")

	cols, err := describeTable(ctx, db.DB, dl, eventTable)
	require.NoError(t, err)
	require.False(t, cols["global_position"].nullable)
	require.False(t, cols["recorded_at"].nullable)
	require.Equal(t, pgTimestamptz, cols["occurred_at"].typ)
	require.False(t, dl.needsAdoption(eventTable, cols))
	require.NoError(t, Migrate(ctx, db))
}
