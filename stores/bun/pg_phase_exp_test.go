package bunstore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/internal/benchkit"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

func TestPGPhaseExperiment(t *testing.T) {
	if os.Getenv("ES_WAL_EXPERIMENT") == "" {
		t.Skip("experiment")
	}
	ctx := context.Background()
	url := pgtest.Start(t)
	db := openDB(t, url)
	events := newEventStore(t, db)
	records := newOutboxStore(t, db)
	for _, batch := range []int{1, 10} {
		for _, enqueue := range []bool{false, true, false, true} {
			var tApp, tEnq, tCommit time.Duration
			const n = 1000
			for range n {
				envs, err := benchkit.Envelopes(benchkit.Events(0, batch))
				require.NoError(t, err)
				var t2 time.Time
				t0 := time.Now()
				require.NoError(t, bunstore.InTx(ctx, db, func(ctx context.Context) error {
					if err := events.Append(ctx, benchkit.NextAggregate(), benchkit.AggregateType, 0, envs); err != nil {
						return err
					}
					t1 := time.Now()
					tApp += t1.Sub(t0)
					if enqueue {
						if err := records.Enqueue(ctx, "x", envs, time.Now()); err != nil {
							return err
						}
					}
					t2 = time.Now()
					tEnq += t2.Sub(t1)
					return nil
				}))
				tCommit += time.Since(t2)
			}
			t.Logf("%d ev/tx enqueue=%v: begin+append %v, enqueue %v, commit %v (µs a tx)", batch, enqueue,
				tApp.Microseconds()/n, tEnq.Microseconds()/n, tCommit.Microseconds()/n)
		}
	}
}
