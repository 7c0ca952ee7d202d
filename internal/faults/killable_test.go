package faults

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/stores/memory"
)

type deposited struct{ Amount int }

// TestKillable: a killable store passes every call through until it is killed, then fails every
// call, while the store it wraps still works for others.
func TestKillable(t *testing.T) {
	ctx := context.Background()
	inner := memory.NewOutboxStore()
	s, kill := Killable(inner)
	env, err := es.NewEnvelope(deposited{Amount: 1})
	require.NoError(t, err)
	env.AggregateID, env.AggregateType, env.Sequence = "a", "A", 1
	require.NoError(t, s.Enqueue(ctx, "orders", []es.Envelope{env}, time.Now()))
	recs, err := s.Pending(ctx, "orders", 10)
	require.NoError(t, err)
	require.Len(t, recs, 1)

	kill()
	assert.False(t, s.JoinsTx(ctx), "a dead store joins no transaction")
	calls := map[string]func() error{
		"Enqueue": func() error { return s.Enqueue(ctx, "orders", []es.Envelope{env}, time.Now()) },
		"Claim": func() error {
			_, err := s.Claim(ctx, outbox.ClaimRequest{Outbox: "orders", Owner: "o", Limit: 1, Now: time.Now(), Until: time.Now().Add(time.Minute)})
			return err
		},
		"MarkDelivered": func() error { _, err := s.MarkDelivered(ctx, "orders", nil, time.Now()); return err },
		"MarkFailed":    func() error { _, err := s.MarkFailed(ctx, "orders", outbox.Claim{}, outbox.Failure{}); return err },
		"Release":       func() error { return s.Release(ctx, "orders", nil) },
		"Pending":       func() error { _, err := s.Pending(ctx, "orders", 10); return err },
		"DeadLetters":   func() error { _, err := s.DeadLetters(ctx, "orders", 10); return err },
		"Retry":         func() error { return s.Retry(ctx, "orders", env.EventID) },
		"Prune":         func() error { _, err := s.Prune(ctx, "orders", time.Now(), 10); return err },
	}
	for name, call := range calls {
		assert.ErrorIs(t, call(), errKilled, name)
	}
	recs, err = inner.Pending(ctx, "orders", 10)
	require.NoError(t, err)
	assert.Len(t, recs, 1, "the wrapped store keeps its records")
}
