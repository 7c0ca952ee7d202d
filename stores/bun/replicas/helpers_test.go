// Package replicas_test runs the Bun stores' projections in several real processes on one
// database: balanced leases, partitions, and what they cost.
package replicas_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

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

func newEventStore(t testing.TB, db *bun.DB) *bunstore.EventStore {
	t.Helper()
	s, err := bunstore.NewEventStore(db)
	require.NoError(t, err)
	return s
}

// benchTarget is a database a benchmark runs on.
type benchTarget struct {
	name string
	db   *bun.DB
}

// benchTargets are PostgreSQL with durable commits, as in production, and a SQLite file.
func benchTargets(b *testing.B) []func() benchTarget {
	return []func() benchTarget{
		func() benchTarget {
			return benchTarget{name: "postgres", db: openDB(b, pgtest.NewServer(b, "fsync=on").URL())}
		},
		func() benchTarget { return benchTarget{name: "sqlite", db: openDB(b, testkit.SQLiteFileURL(b))} },
	}
}
