package bunstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// backend opens one kind of database for a test.
type backend struct {
	name string
	url  func(t testing.TB) string
}

func backends() []backend {
	return []backend{
		{"postgres", func(t testing.TB) string { return pgtest.Start(t) }},
		{"sqlite-file", func(t testing.TB) string { return testkit.SQLiteFileURL(t) }},
		{"sqlite-memory", func(testing.TB) string { return "sqlite::memory:" }},
	}
}

// fileBackends are the backends that several pools or processes can share (not in-memory SQLite).
func fileBackends() []backend { return backends()[:2] }

// openDB opens url, migrates, and closes the DB when the test ends.
func openDB(t testing.TB, url string) *bun.DB {
	t.Helper()
	ctx := context.Background()
	db, err := bunstore.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, bunstore.Prepare(ctx, db, true))
	return db
}

func newEventStore(t testing.TB, db *bun.DB, opts ...bunstore.EventStoreOption) *bunstore.EventStore {
	t.Helper()
	s, err := bunstore.NewEventStore(db, opts...)
	require.NoError(t, err)
	return s
}

func envs(t testing.TB, n int) []es.Envelope {
	t.Helper()
	return testkit.Envelopes(t, "Happened", 1, n)
}

func newOutboxStore(t testing.TB, db *bun.DB) *bunstore.OutboxStore {
	t.Helper()
	s, err := bunstore.NewOutboxStore(db)
	require.NoError(t, err)
	return s
}

// corruptEvent writes value over column of the stored event eventID with SQL, as a row written
// by hand or by another program may hold: testkit.Features.Corrupt of the Bun stores.
func corruptEvent(t *testing.T, s es.EventStore, eventID, column, value string) {
	t.Helper()
	db := s.(*bunstore.EventStore).DB()
	res, err := db.ExecContext(context.Background(), "UPDATE pyfly_event_store SET ? = ? WHERE event_id = ?", bun.Ident(column), value, eventID)
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "event %s", eventID)
}

// outboxWriter writes outbox records on db as another program would: past the store's checks,
// with the payload and metadata texts as given (testkit.OutboxTarget.WriteRecord).
func outboxWriter(db *bun.DB) func(t *testing.T, outbox string, e es.Envelope, payload, metadata string) {
	return func(t *testing.T, outbox string, e es.Envelope, payload, metadata string) {
		t.Helper()
		now := time.Now().UTC().Format(time.RFC3339Nano)
		_, err := db.NewRaw(`INSERT INTO pyfly_outbox (outbox, event_id, aggregate_id, aggregate_type, sequence, event_type, payload,
	metadata, occurred_at, version, global_position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
			outbox, e.EventID, e.AggregateID, e.AggregateType, e.Sequence, e.EventType, payload, metadata,
			e.OccurredAt.UTC().Format(time.RFC3339Nano), e.Version, now).Exec(context.Background())
		require.NoError(t, err)
	}
}

func newCheckpointStore(t testing.TB, db *bun.DB) *bunstore.CheckpointStore {
	t.Helper()
	s, err := bunstore.NewCheckpointStore(db)
	require.NoError(t, err)
	return s
}

func newLease(t testing.TB, db *bun.DB) *bunstore.Lease {
	t.Helper()
	l, err := bunstore.NewLease(db)
	require.NoError(t, err)
	return l
}
