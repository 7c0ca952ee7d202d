package bunstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// Migration 0011 leaves half of each page of PostgreSQL's outbox table free, so that a claim
// (which changes no indexed column) writes the record's new version on its page without new
// index entries: a HOT update.
func TestPostgresOutboxLeavesRoomForClaims(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.Start(t))
	var options string
	require.NoError(t, db.QueryRowContext(ctx,
		`SELECT coalesce(array_to_string(reloptions, ','), '') FROM pg_class WHERE relname = 'pyfly_outbox'`).Scan(&options))
	assert.Contains(t, options, "fillfactor=50")

	store := newOutboxStore(t, db)
	envs := testkit.Envelopes(t, "Opened", 1, 50)
	for i := range envs {
		envs[i].AggregateID, envs[i].AggregateType, envs[i].Sequence = "acc-1", "Account", int64(i+1)
	}
	require.NoError(t, store.Enqueue(ctx, "ob", envs, time.Now()))
	now := time.Now()
	recs, err := store.Claim(ctx, outbox.ClaimRequest{Outbox: "ob", Owner: "me", Limit: 50, PerAggregate: 50, Now: now, Until: now.Add(time.Minute)})
	require.NoError(t, err)
	require.Len(t, recs, 50)
	_, err = db.ExecContext(ctx, `SELECT pg_stat_force_next_flush()`)
	require.NoError(t, err)
	var updates, hot int64
	require.NoError(t, db.QueryRowContext(ctx,
		`SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'pyfly_outbox'`).Scan(&updates, &hot))
	assert.Equal(t, int64(50), updates)
	assert.Equal(t, int64(50), hot, "every claim a HOT update")
}
