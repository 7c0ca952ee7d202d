package bunstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/testkit"
)

// TestAdminResetOfAVersionReplays: a reset from another process (esctl projection reset) of a
// versioned projection makes its handler replay the events up to the newest position, then
// follow the later ones live; RetireProjection refuses the active version and an unknown one.
func TestAdminResetOfAVersionReplays(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			s := newEventStore(t, db)
			require.NoError(t, s.Append(ctx, "order-1", "Order", 0, envs(t, 3)))
			cps, lease, _ := projectionStores(t, db)
			var (
				mu     sync.Mutex
				replay []bool
			)
			p := projection.FunctionProjection("vcounts", func(ctx context.Context, e es.Envelope) error {
				mu.Lock()
				defer mu.Unlock()
				replay = append(replay, projection.IsReplay(ctx))
				return nil
			})
			seen := func() []bool {
				mu.Lock()
				defer mu.Unlock()
				return append([]bool(nil), replay...)
			}
			r, err := projection.NewRunner(p, s, projection.WithCheckpoints(cps), projection.WithLease(lease),
				projection.WithVersion(1), projection.WithPollInterval(20*time.Millisecond))
			require.NoError(t, err)
			require.NoError(t, r.Start(ctx))
			t.Cleanup(func() { _ = r.Stop(context.Background()) })
			testkit.WaitFor(t, 20*time.Second, func() bool { return len(seen()) == 3 }, "the history")
			require.NoError(t, s.Append(ctx, "order-1", "Order", 3, envs(t, 1)))
			testkit.WaitFor(t, 20*time.Second, func() bool { return len(seen()) == 4 }, "a live event")

			a := newAdmin(t, db)
			_, err = a.ResetProjection(ctx, "vcounts", 0, true)
			require.NoError(t, err)
			testkit.WaitFor(t, 20*time.Second, func() bool { return len(seen()) == 8 }, "the replay")
			require.NoError(t, s.Append(ctx, "order-1", "Order", 4, envs(t, 1)))
			testkit.WaitFor(t, 20*time.Second, func() bool { return len(seen()) == 9 }, "the next live event")
			assert.Equal(t, []bool{true, true, true, false, true, true, true, true, false}, seen())

			_, err = a.RetireProjection(ctx, "vcounts", 1, true)
			assert.ErrorIs(t, err, inspect.ErrActiveVersion)
			_, err = a.RetireProjection(ctx, "vcounts", 2, false)
			assert.ErrorIs(t, err, inspect.ErrNotFound)
			_, err = a.RetireProjection(ctx, "vcounts", 0, false)
			assert.ErrorIs(t, err, es.ErrInvalidArgument)
			ps, err := a.Projections(ctx)
			require.NoError(t, err)
			require.Len(t, ps, 1)
			assert.Equal(t, []any{"vcounts", 1, "active"}, []any{ps[0].Name, ps[0].Version, ps[0].Role})
		})
	}
}
