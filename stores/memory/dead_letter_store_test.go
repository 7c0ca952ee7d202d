package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

func letter(t *testing.T, pos int64, attempts int) projection.DeadLetter {
	e := testkit.Envelopes(t, "E", int(pos), 1)[0]
	e.EventID = "ev-" + string(rune('0'+pos))
	e.AggregateID, e.AggregateType, e.Sequence, e.GlobalPosition = "a", "T", pos, pos
	return projection.DeadLetter{Projection: "p", Event: e, Attempts: attempts, Error: "boom", FailedAt: time.Now()}
}

func positions(ctx context.Context, t *testing.T, s *memory.DeadLetterStore, after int64, limit int) []int64 {
	t.Helper()
	got, err := s.List(ctx, "p", after, limit)
	require.NoError(t, err)
	out := []int64{}
	for _, d := range got {
		out = append(out, d.Event.GlobalPosition)
	}
	return out
}

// A unit's parks and deletes are seen by List, Count and Delete under it, over what is committed.
func TestDeadLettersInUnitOverlayCommitted(t *testing.T) {
	ctx := context.Background()
	s := memory.NewDeadLetterStore()
	for pos := int64(1); pos <= 3; pos++ {
		require.NoError(t, s.Park(ctx, letter(t, pos, 1)))
	}
	require.NoError(t, memory.InTx(ctx, func(ctx context.Context) error {
		had, err := s.Delete(ctx, "p", "ev-2")
		require.NoError(t, err)
		assert.True(t, had)
		had, err = s.Delete(ctx, "p", "ev-2")
		require.NoError(t, err)
		assert.False(t, had, "the unit deleted it already")
		had, err = s.Delete(ctx, "p", "ev-5")
		require.NoError(t, err)
		assert.False(t, had, "never parked")
		require.NoError(t, s.Park(ctx, letter(t, 4, 1)))
		require.NoError(t, s.Park(ctx, letter(t, 1, 9)))
		n, err := s.Count(ctx, "p")
		require.NoError(t, err)
		assert.Equal(t, int64(3), n)
		assert.Equal(t, []int64{1, 3, 4}, positions(ctx, t, s, 0, 10))
		assert.Equal(t, []int64{3}, positions(ctx, t, s, 1, 1))
		got, err := s.List(ctx, "p", 0, 1)
		require.NoError(t, err)
		assert.Equal(t, 9, got[0].Attempts, "the unit's park replaces the committed letter")
		assert.Equal(t, []int64{1, 2, 3}, positions(context.Background(), t, s, 0, 10), "not committed yet")
		return nil
	}))
	assert.Equal(t, []int64{1, 3, 4}, positions(ctx, t, s, 0, 10))
	n, err := s.Count(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, int64(3), n)
}
