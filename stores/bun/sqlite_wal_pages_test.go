package bunstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/testkit"
)

// TestSQLiteWALPagesPerTransaction counts the pages a transaction writes to SQLite's WAL, which
// is what its commit costs there: an append of 1 and of 10 events to a new aggregate, alone and
// with the events' outbox records in the same transaction. It logs the figures (the README
// quotes them) and fails when an append or a record writes more pages than the schema needs,
// as a new index on either table would.
func TestSQLiteWALPagesPerTransaction(t *testing.T) {
	// The counted transactions stay below the WAL's automatic checkpoint (1000 pages) even at the
	// limits below (40 × 21), so no checkpoint restarts the count in between.
	const warm, counted = 1000, 40
	limits := map[int]struct{ appendAlone, records float64 }{
		1:  {appendAlone: 5, records: 6},   // measured 3.8 and 5.2 (about 6.1 before migration 0010)
		10: {appendAlone: 10, records: 11}, // measured 8.1 and 8.7 (about 9.7 before migration 0010)
	}
	ctx := context.Background()
	for _, batch := range []int{1, 10} {
		pages := map[bool]float64{}
		for _, enqueue := range []bool{false, true} {
			db := openDB(t, testkit.SQLiteFileURL(t))
			events := newEventStore(t, db)
			records := newOutboxStore(t, db)
			run := func(n int) {
				for range n {
					envs, err := benchkit.Envelopes(benchkit.Events(0, batch))
					require.NoError(t, err)
					require.NoError(t, events.InTx(ctx, func(ctx context.Context) error {
						if err := events.Append(ctx, benchkit.NextAggregate(), benchkit.AggregateType, 0, envs); err != nil {
							return err
						}
						if !enqueue {
							return nil
						}
						return records.Enqueue(ctx, "pages", envs, time.Now())
					}))
				}
			}
			run(warm) // trees of several levels, as in a store in use
			_, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
			require.NoError(t, err)
			run(counted)
			var busy, frames, copied int
			require.NoError(t, db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied))
			pages[enqueue] = float64(frames) / counted
		}
		added := pages[true] - pages[false]
		t.Logf("%d event(s) a transaction: the append writes %.1f WAL pages, its outbox records %.1f more", batch, pages[false], added)
		assert.Greater(t, pages[false], 1.0, "an append writes at least its row's page")
		assert.LessOrEqual(t, pages[false], limits[batch].appendAlone, "pages an append of %d event(s) writes", batch)
		assert.Greater(t, added, 0.0, "outbox records write pages of their own")
		assert.LessOrEqual(t, added, limits[batch].records, "pages the outbox records of %d event(s) add", batch)
	}
}
