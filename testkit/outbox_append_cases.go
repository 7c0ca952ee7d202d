package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
)

// testOutboxHostileValuesWithAppend saves every hostile envelope as a repository with an outbox
// does: in a transaction, the append asked to write the records itself where the store can
// ([outbox.AppendEnqueuer]), else the events enqueued after it. Every record reads back as
// Enqueue keeps it, with its event's global position, alike on every store.
func testOutboxHostileValuesWithAppend(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	s := tg.Store
	name := `o'; DELETE FROM pyfly_outbox; --` + "日本"
	want := map[string]es.Envelope{}
	for _, c := range hostileCases() {
		env := Envelopes(t, "E", 1, 1)[0]
		c.mutate(&env)
		envs := []es.Envelope{env}
		require.NoError(t, tg.Tx.InTx(ctx, func(ctx context.Context) error {
			appendCtx, written := ctx, func() bool { return false }
			if a, ok := s.(outbox.AppendEnqueuer); ok {
				appendCtx, written = a.EnqueueWithAppend(ctx, name, envs, time.Now())
			}
			if err := tg.Events.Append(appendCtx, c.aggregateID, c.aggregateType, 0, envs); err != nil {
				return err
			}
			if written() {
				return nil
			}
			return s.Enqueue(ctx, name, envs, time.Now())
		}), c.name)
		want[env.EventID] = wantStored(t, envs[0])
	}
	all, err := tg.Events.ReadAll(ctx, 0, 1000)
	require.NoError(t, err)
	positions := map[string]int64{}
	for _, e := range all {
		positions[e.EventID] = e.GlobalPosition
	}
	recs, err := s.Pending(ctx, name, 100)
	require.NoError(t, err)
	require.Len(t, recs, len(want))
	for _, r := range recs {
		checkRoundTrip(t, "Pending "+r.ID, want[r.ID], r.Event)
		assert.Equal(t, int64(1), r.Event.Sequence, r.ID)
		assert.Equal(t, positions[r.ID], r.Event.GlobalPosition, r.ID)
	}
}
