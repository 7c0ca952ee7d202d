package bunstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

// TestReadPartitionFiltersInTheDatabase: the database's pyfly_partition agrees with
// projection.PartitionOf on every id (multi-byte UTF-8 included), and ReadPartition returns
// exactly a partition's events in (after, upTo], in position order, at most limit.
func TestReadPartitionFiltersInTheDatabase(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			store := newEventStore(t, openDB(t, b.url(t)))
			ids := []string{"a", "order-1", "ünïcødé-聚合", "x/y#z", "0"}
			for i := range 60 {
				ids = append(ids, fmt.Sprintf("agg-%03d", i))
			}
			for _, id := range ids {
				require.NoError(t, store.Append(ctx, id, "T", 0, testkit.Envelopes(t, "Happened", 1, 2)))
			}
			all, err := store.ReadAll(ctx, 0, 1000)
			require.NoError(t, err)
			upTo := all[len(all)-5].GlobalPosition
			const n = 3
			seen := 0
			for part := range n {
				got, through, err := store.ReadPartition(ctx, 0, upTo, 1000, part, n)
				require.NoError(t, err)
				assert.Equal(t, upTo, through, "read through the whole range")
				var want []string
				for _, e := range all {
					if e.GlobalPosition <= upTo && projection.PartitionOf(e.AggregateID, n) == part {
						want = append(want, e.EventID)
					}
				}
				assert.Equal(t, want, eventIDs(got), "partition %d", part)
				seen += len(got)
				limited, through, err := store.ReadPartition(ctx, got[2].GlobalPosition, upTo, 3, part, n)
				require.NoError(t, err)
				assert.Equal(t, eventIDs(got[3:6]), eventIDs(limited))
				assert.Equal(t, got[5].GlobalPosition, through, "a full page reads through its last event")
			}
			assert.Equal(t, len(all)-4, seen, "the partitions share the events out")
			_, _, err = store.ReadPartition(ctx, 0, upTo, 10, 3, 3)
			require.ErrorIs(t, err, es.ErrInvalidArgument)
		})
	}
}

func eventIDs(events []es.Envelope) []string {
	out := make([]string, len(events))
	for i := range events {
		out[i] = events[i].EventID
	}
	return out
}

// TestPartitionedRunnerOnBun: a projection in 3 partitions over the Bun stores applies each
// event exactly once into a read model in the checkpoint's transaction; a runner with another
// number of partitions refuses to start until Reset clears the old checkpoints.
func TestPartitionedRunnerOnBun(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			_, err := db.ExecContext(ctx, `CREATE TABLE part_view (event_id TEXT PRIMARY KEY, part TEXT NOT NULL)`)
			require.NoError(t, err)
			store := newEventStore(t, db)
			for i := range 30 {
				require.NoError(t, store.Append(ctx, fmt.Sprintf("order-%d", i), "Order", 0, testkit.Envelopes(t, "Placed", 1, 3)))
			}
			cps, err := bunstore.NewCheckpointStore(db)
			require.NoError(t, err)
			runner := func(n int) *projection.Runner {
				p := projection.FunctionProjection("part_view", func(ctx context.Context, e es.Envelope) error {
					tx, _ := bunstore.TxFrom(ctx)
					_, err := tx.ExecContext(ctx, `INSERT INTO part_view (event_id, part) VALUES (?, ?)`, e.EventID,
						projection.PartitionName("part_view", projection.PartitionOf(e.AggregateID, n), n))
					return err
				})
				r, err := projection.NewRunner(p, store, projection.WithCheckpoints(cps), projection.WithPartitions(n),
					projection.WithPollInterval(20*time.Millisecond), projection.WithBatchSize(10))
				require.NoError(t, err)
				t.Cleanup(func() { _ = r.Stop(context.Background()) })
				return r
			}
			r := runner(3)
			require.NoError(t, r.Start(ctx))
			testkit.WaitFor(t, 20*time.Second, func() bool {
				st, err := r.Status(ctx)
				require.NoError(t, err)
				return st.Lag == 0 && st.Position > 0
			}, "the partitions to catch up")
			var rows int
			require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM part_view`).Scan(&rows))
			assert.Equal(t, 90, rows)
			names, err := cps.CheckpointNames(ctx, "part_view")
			require.NoError(t, err)
			assert.Equal(t, []string{"part_view#0/3", "part_view#1/3", "part_view#2/3"}, names)
			admin, err := bunstore.NewAdmin(db)
			require.NoError(t, err)
			listed, err := admin.Projections(ctx) // what esctl projections and the gauges read
			require.NoError(t, err)
			var rowsListed []string
			for _, p := range listed {
				rowsListed = append(rowsListed, p.Name)
				assert.Zero(t, p.Lag, p.Name)
			}
			assert.Equal(t, names, rowsListed, "each partition is a projection of its own to operators")
			require.NoError(t, r.Stop(ctx))

			r2 := runner(2)
			var pc *projection.PartitionsChangedError
			require.ErrorAs(t, r2.Start(ctx), &pc)
			assert.Equal(t, 3, pc.Stored)
			require.NoError(t, cps.InTx(ctx, func(ctx context.Context) error {
				tx, _ := bunstore.TxFrom(ctx)
				if _, err := tx.ExecContext(ctx, `DELETE FROM part_view`); err != nil {
					return err
				}
				return r2.Reset(ctx, 0)
			}))
			require.NoError(t, r2.Start(ctx))
			testkit.WaitFor(t, 20*time.Second, func() bool {
				st, err := r2.Status(ctx)
				require.NoError(t, err)
				return st.Lag == 0 && st.Position > 0
			}, "two partitions to rebuild the read model")
			require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM part_view`).Scan(&rows))
			assert.Equal(t, 90, rows)
			names, err = cps.CheckpointNames(ctx, "part_view")
			require.NoError(t, err)
			assert.Equal(t, []string{"part_view#0/2", "part_view#1/2"}, names)
		})
	}
}

// TestReadPartitionWindow: one read looks at a bounded window of the stream; a partition with no
// events there reads none and says how far it read, and a partitioned runner reads on from there
// to the head without waiting.
func TestReadPartitionWindow(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			store := newEventStore(t, db)
			require.NoError(t, store.Append(ctx, "only", "T", 0, testkit.Envelopes(t, "Happened", 1, 1500)))
			all, err := store.ReadAll(ctx, 0, 2000)
			require.NoError(t, err)
			last := all[len(all)-1].GlobalPosition
			empty := 1 - projection.PartitionOf("only", 2)
			got, through, err := store.ReadPartition(ctx, 0, last, 100, empty, 2)
			require.NoError(t, err)
			assert.Empty(t, got)
			assert.Equal(t, all[999].GlobalPosition, through, "a window of 1,000 events")
			got, through, err = store.ReadPartition(ctx, through, last, 100, empty, 2)
			require.NoError(t, err)
			assert.Empty(t, got)
			assert.Equal(t, last, through)

			cps, err := bunstore.NewCheckpointStore(db)
			require.NoError(t, err)
			r, err := projection.NewRunner(projection.FunctionProjection("w", func(context.Context, es.Envelope) error { return nil }), store,
				projection.WithCheckpoints(cps), projection.WithPartitions(2), projection.WithPollInterval(time.Hour))
			require.NoError(t, err)
			require.NoError(t, r.Start(ctx))
			t.Cleanup(func() { _ = r.Stop(context.Background()) })
			testkit.WaitFor(t, 20*time.Second, func() bool {
				st, err := r.Status(ctx)
				require.NoError(t, err)
				return st.Partitions[0].Position == last && st.Partitions[1].Position == last
			}, "both partitions at the head")
		})
	}
}
