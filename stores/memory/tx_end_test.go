package memory_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// A unit of work whose commit fails (another writer appended to its aggregate after the unit
// checked it) ends uncommitted: OnTxEnd's functions hear false.
func TestTxEndAfterAFailedCommit(t *testing.T) {
	ctx := context.Background()
	s := memory.NewEventStore()
	var ended []bool
	err := s.InTx(ctx, func(ctx context.Context) error {
		require.True(t, s.OnTxEnd(ctx, func(committed bool) { ended = append(ended, committed) }))
		if err := s.Append(ctx, "a", "T", 0, testkit.Envelopes(t, "E", 1, 1)); err != nil {
			return err
		}
		return s.Append(context.Background(), "a", "T", 0, testkit.Envelopes(t, "E", 1, 1))
	})
	require.ErrorIs(t, err, es.ErrConcurrency)
	assert.Equal(t, []bool{false}, ended)
}
