package bunstore_test

// Helpers of the benchmarks that compare a feature with the event store it runs on (the
// projection runner, the outbox relay), each on a PostgreSQL server of its own and a SQLite file.
// They measure their variants with benchkit.InTurn, like the store's benchmarks: rounds in one
// process, the order turning from one round to the next.

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// benchEnvelopes returns n of benchkit's events (about 200 bytes of JSON each) as envelopes.
func benchEnvelopes(b *testing.B, n int) []es.Envelope {
	envs, err := benchkit.Envelopes(benchkit.Events(0, n))
	require.NoError(b, err)
	return envs
}

type benchTarget struct {
	name string
	db   *bun.DB
}

// benchTargets returns, per dialect, a function that makes a fresh, migrated database that the
// variants of a benchmark share.
func benchTargets(b *testing.B) []func() benchTarget {
	return []func() benchTarget{
		func() benchTarget {
			url := pgtest.NewServer(b, "fsync=on").URL() // durable commits, as in production
			return benchTarget{name: "postgres", db: openDB(b, url)}
		},
		func() benchTarget { return benchTarget{name: "sqlite", db: openDB(b, testkit.SQLiteFileURL(b))} },
	}
}
