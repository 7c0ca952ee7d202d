package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// The inspector's operator actions: retry every dead letter, skip one (listed with who and
// when), on a projection's and an outbox's.
func TestInspectorDeadLetterActions(t *testing.T) {
	ctx := context.Background()
	events := memory.NewEventStore()
	letters := memory.NewDeadLetterStore()
	ob := memory.NewOutboxStore()
	i, err := memory.NewInspector(memory.InspectorStores{Events: events, DeadLetters: letters, Outbox: ob})
	require.NoError(t, err)

	envs := testkit.Envelopes(t, "OrderPlaced", 1, 3)
	require.NoError(t, events.Append(ctx, "order-1", "Order", 0, envs))
	stream, err := events.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	for k, e := range stream[:2] {
		require.NoError(t, letters.Park(ctx, projection.DeadLetter{Projection: "view", Event: e, Attempts: 1 - k, Error: "boom", FailedAt: time.Now()}))
	}
	n, err := i.RetryAllDeadLetters(ctx, inspect.KindProjection, "view")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the held letter goes behind the first")
	require.NoError(t, i.SkipDeadLetter(ctx, inspect.KindProjection, "view", stream[1].EventID, "ops"))
	require.ErrorIs(t, i.SkipDeadLetter(ctx, inspect.KindProjection, "view", stream[1].EventID, "ops"), projection.ErrNoDeadLetter)
	skips, err := i.SkippedDeadLetters(inspect.KindProjection, "", 10)
	require.NoError(t, err)
	require.Len(t, skips, 1)
	assert.Equal(t, []any{stream[1].EventID, "ops", 0}, []any{skips[0].EventID, skips[0].SkippedBy, skips[0].Attempts})
	_, err = i.SkippedDeadLetters("nope", "", 10)
	require.ErrorIs(t, err, es.ErrInvalidArgument)

	require.NoError(t, ob.Enqueue(ctx, "orders", stream, time.Now()))
	now := time.Now()
	recs, err := ob.Claim(ctx, outbox.ClaimRequest{Outbox: "orders", Owner: "r", Limit: 10, PerAggregate: 10, Now: now, Until: now.Add(time.Minute)})
	require.NoError(t, err)
	for _, r := range recs {
		_, err := ob.MarkFailed(ctx, "orders", r.Claim(), outbox.Failure{Error: "refused", At: now, Dead: true})
		require.NoError(t, err)
	}
	require.NoError(t, i.SkipDeadLetter(ctx, inspect.KindOutbox, "orders", stream[0].EventID, "alice"))
	n, err = i.RetryAllDeadLetters(ctx, inspect.KindOutbox, "orders")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	pending, err := ob.Pending(ctx, "orders", 10)
	require.NoError(t, err)
	assert.Len(t, pending, 2)
	skips, err = i.SkippedDeadLetters(inspect.KindOutbox, "orders", 10)
	require.NoError(t, err)
	require.Len(t, skips, 1)
	assert.Equal(t, "alice", skips[0].SkippedBy)
}
