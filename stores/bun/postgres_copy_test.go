package bunstore_test

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// TestCopyAppends runs what proves PostgreSQL appends again with every append going through
// COPY (batches from 256 events on take it): the conformance suite (version checks, races,
// all-or-nothing, hostile values, idempotent retries, transactions), the sequence-order guard,
// the soak test of the global stream, and appends cancelled at random moments.
func TestCopyAppends(t *testing.T) {
	newStore := func(t *testing.T, ups ...es.Upcaster) *bunstore.EventStore {
		return bunstore.CopyEveryAppend(t, newEventStore(t, openDB(t, pgtest.Start(t)), bunstore.WithUpcasters(ups...)))
	}
	t.Run("EventStore", func(t *testing.T) {
		testkit.RunEventStoreSuite(t, func(t *testing.T, ups ...es.Upcaster) es.EventStore { return newStore(t, ups...) }, testkit.Features{Corrupt: corruptEvent})
	})
	t.Run("SequenceOrder", func(t *testing.T) { sequenceOrder(t, newStore(t)) })
	t.Run("Soak", func(t *testing.T) { soak(t, newStore(t), 2*time.Second) })
	t.Run("Cancelled", func(t *testing.T) { cancelledAppends(t, newStore(t)) })
	t.Run("RefusedLeavesNoTransactionOpen", func(t *testing.T) {
		ctx := context.Background()
		url := pgtest.Start(t)
		s := bunstore.CopyEveryAppend(t, newEventStore(t, openDB(t, url)))
		require.NoError(t, s.Append(ctx, "a", "T", 0, envs(t, 2)))
		taken := envs(t, 1)
		taken[0].EventID = "taken"
		require.NoError(t, s.Append(ctx, "b", "T", 0, taken))
		// Refused appends, side by side so that each holds a connection of the pool.
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { assert.ErrorIs(t, s.Append(ctx, "a", "T", 1, envs(t, 1)), es.ErrConcurrency) })
			wg.Go(func() { assert.ErrorIs(t, s.Append(ctx, "c", "T", 0, taken), es.ErrInvalidArgument) })
		}
		wg.Wait()
		// Seen from another pool: a session left in a refused append's transaction (which
		// has its transaction id) would hold the horizon below the next event.
		other := newEventStore(t, openDB(t, url))
		require.NoError(t, other.Append(ctx, "d", "T", 0, envs(t, 1)))
		var open int
		require.NoError(t, other.DB().DB.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND state LIKE 'idle in transaction%'`).Scan(&open))
		assert.Zero(t, open, "sessions left idle in a transaction")
		head, err := other.HeadPosition(ctx)
		require.NoError(t, err)
		last, err := other.LastPosition(ctx)
		require.NoError(t, err)
		assert.Equal(t, head, last, "readers see every committed event")
	})
}

// TestConformanceSimpleProtocol runs the event store suite on a pool whose pgx connections use
// the simple protocol (default_query_exec_mode in the URL): results then come as text, which the
// store reads through pgx's own scanning instead of its binary row decoder.
func TestConformanceSimpleProtocol(t *testing.T) {
	testkit.RunEventStoreSuite(t, func(t *testing.T, ups ...es.Upcaster) es.EventStore {
		url := withParam(t, pgtest.Start(t), "default_query_exec_mode", "simple_protocol")
		return newEventStore(t, openDB(t, url), bunstore.WithUpcasters(ups...))
	}, testkit.Features{Corrupt: corruptEvent})
}

// withParam returns the connection URL u with the query parameter key set to value, whether u
// has a query or not.
func withParam(t testing.TB, u, key, value string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	require.NoError(t, err, "parse connection URL")
	q := parsed.Query()
	q.Set(key, value)
	parsed.RawQuery = q.Encode()
	return parsed.String()
}
