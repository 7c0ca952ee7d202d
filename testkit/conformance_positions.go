package testkit

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// testAppendSetsPositions: Append sets on the caller's envelopes the global position ReadAll gives
// each event. Inside a transaction a store may not know it before the commit (the memory store
// numbers events then): the envelope keeps 0 or carries the position ReadAll gives.
func testAppendSetsPositions(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	var appended []es.Envelope
	for _, a := range []struct {
		id       string
		expected int64
		n        int
	}{{"a", 0, 2}, {"b", 0, 1}, {"a", 2, 3}} {
		envs := Envelopes(t, "E", int(a.expected)+1, a.n)
		require.NoError(t, s.Append(ctx, a.id, "T", a.expected, envs))
		appended = append(appended, envs...)
	}
	var inTx []es.Envelope
	require.NoError(t, transactorOf(t, s).InTx(ctx, func(ctx context.Context) error {
		for _, id := range []string{"c", "d"} {
			envs := Envelopes(t, "E", 1, 2)
			if err := s.Append(ctx, id, "T", 0, envs); err != nil {
				return err
			}
			inTx = append(inTx, envs...)
		}
		return nil
	}))
	all, err := s.ReadAll(ctx, 0, 100)
	require.NoError(t, err)
	require.Len(t, all, len(appended)+len(inTx))
	positions := map[string]int64{}
	for _, e := range all {
		positions[e.EventID] = e.GlobalPosition
	}
	for _, e := range appended {
		assert.Equal(t, positions[e.EventID], e.GlobalPosition, "event %s of %s, appended outside a transaction", e.EventID, e.AggregateID)
	}
	for _, e := range inTx {
		if e.GlobalPosition != 0 {
			assert.Equal(t, positions[e.EventID], e.GlobalPosition, "event %s of %s, appended in a transaction", e.EventID, e.AggregateID)
		}
	}
}
