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
				appendCtx, written = a.EnqueueWithAppend(ctx, s, name, envs, time.Now())
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

// testOutboxClaimFillsPosition: a record enqueued without its event's global position is
// claimed with the position ReadAll gives the stored event, so that its message carries it: an
// envelope built by hand for an event appended before, and one enqueued before its event was
// appended in the same transaction. A record of no stored event, or of an event id stored for
// another aggregate, keeps 0; a record with a position keeps it.
func testOutboxClaimFillsPosition(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	s, events := tg.Store, tg.Events
	at := suiteNow()

	// Other events first, so that positions and sequences differ.
	require.NoError(t, events.Append(ctx, "other", "Account", 0, OutboxEnvelopes(t, "other", 1, 3)))
	appended := OutboxEnvelopes(t, "pos-1", 1, 2)
	require.NoError(t, events.Append(ctx, "pos-1", "Account", 0, appended))
	var handBuilt []es.Envelope
	for _, e := range appended {
		require.NotZero(t, e.GlobalPosition, "Append hands the positions back")
		e = e.Clone()
		e.GlobalPosition = 0
		handBuilt = append(handBuilt, e)
	}
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, handBuilt, at))

	early := OutboxEnvelopes(t, "pos-2", 1, 1)
	require.NoError(t, tg.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Enqueue(ctx, suiteOutbox, []es.Envelope{early[0].Clone()}, at); err != nil {
			return err
		}
		return events.Append(ctx, "pos-2", "Account", 0, early)
	}))

	lone := OutboxEnvelopes(t, "pos-3", 1, 1)[0] // no stored event
	stranger := appended[1].Clone()              // an id of no stored event
	stranger.EventID += "-x"
	stranger.AggregateID, stranger.GlobalPosition = "pos-4", 0
	own := OutboxEnvelopes(t, "pos-6", 1, 1)[0]
	own.GlobalPosition = 777
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, []es.Envelope{lone, stranger, own}, at))
	otherAggregate := appended[0].Clone() // a stored id, of another aggregate
	otherAggregate.AggregateID, otherAggregate.GlobalPosition = "pos-5", 0
	require.NoError(t, s.Enqueue(ctx, suiteOutbox+"-2", []es.Envelope{otherAggregate}, at))

	all, err := events.ReadAll(ctx, 0, 100)
	require.NoError(t, err)
	want := map[string]int64{lone.EventID: 0, stranger.EventID: 0, own.EventID: 777}
	for _, e := range all {
		if e.AggregateID != "other" {
			want[e.EventID] = e.GlobalPosition
		}
	}
	got := map[string]int64{}
	for _, r := range claimRuns(t, s, "relay-1", 100, 10, at) {
		got[r.Event.EventID] = r.Event.GlobalPosition
	}
	assert.Equal(t, want, got)

	claimed, err := s.Claim(ctx, outbox.ClaimRequest{Outbox: suiteOutbox + "-2", Owner: "relay-1", Limit: 10,
		Now: at, Until: at.Add(time.Minute)})
	require.NoError(t, err)
	require.Len(t, claimed, 1)
	assert.Zero(t, claimed[0].Event.GlobalPosition, "the id is stored, but for another aggregate")
}
