package bunstore_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// openPgdriver opens a migrated *bun.DB on Bun's own PostgreSQL driver.
func openPgdriver(t *testing.T) *bun.DB {
	t.Helper()
	db := bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(pgtest.Start(t)))), pgdialect.New())
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, bunstore.Prepare(context.Background(), db, true))
	return db
}

// TestPgdriverZeroTime: the zero time (year 1) is a time every store keeps, also on Bun's
// pgdriver, which binds a zero time.Time as NULL. Before the dialect bound times as text, parking
// an event that occurred at the zero time failed with a raw not-null violation (23502).
func TestPgdriverZeroTime(t *testing.T) {
	ctx := context.Background()
	db := openPgdriver(t)
	dls, err := bunstore.NewDeadLetterStore(db)
	require.NoError(t, err)
	e := testkit.Envelopes(t, "Happened", 1, 1)[0]
	e.AggregateID, e.AggregateType, e.Sequence, e.GlobalPosition = "a-1", "A", 1, 1
	e.OccurredAt = time.Time{}
	failedAt := time.Date(2025, 1, 2, 3, 4, 5, 678901000, time.UTC)
	require.NoError(t, dls.Park(ctx, projection.DeadLetter{Projection: "p", Event: e, Attempts: 1, Error: "boom", FailedAt: failedAt}))
	got, err := dls.List(ctx, "p", 0, 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.True(t, got[0].Event.OccurredAt.Equal(time.Time{}), "occurred at the zero time, got %s", got[0].Event.OccurredAt)
	assert.True(t, got[0].FailedAt.Equal(failedAt), "failed at %s, got %s", failedAt, got[0].FailedAt)

	ob := newOutboxStore(t, db)
	require.NoError(t, ob.Enqueue(ctx, "o", []es.Envelope{e}, failedAt))
	recs, err := ob.Pending(ctx, "o", 10)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.True(t, recs[0].Event.OccurredAt.Equal(time.Time{}), "outbox: occurred at the zero time, got %s", recs[0].Event.OccurredAt)
}
