package memory

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

type allocEvent struct{ N int }

// TestNoObserverAllocatesNothing: without an observer, Append, Load and ReadAll allocate exactly
// what the same calls allocate past the observer check.
func TestNoObserverAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	const runs = 50
	ids := make([]string, runs+1)
	for i := range ids {
		ids[i] = fmt.Sprintf("order-%d", i)
	}
	// measure runs op over a fresh store with fresh events, as the public method and past it.
	measure := func(op func(s *EventStore, bare bool, id string, events []es.Envelope)) (public, bare float64) {
		for k, b := range []bool{false, true} {
			s := NewEventStore()
			batches := make([][]es.Envelope, runs+1)
			for i := range batches {
				batches[i] = make([]es.Envelope, 3)
				for j := range batches[i] {
					e, err := es.NewEnvelope(allocEvent{N: j})
					require.NoError(t, err)
					batches[i][j] = e
				}
				require.NoError(t, s.append(ctx, "seed-"+ids[i], "Order", 0, batches[i][:1]))
				batches[i] = batches[i][1:]
			}
			i := 0
			n := testing.AllocsPerRun(runs, func() {
				op(s, b, ids[i], batches[i])
				i++
			})
			if k == 0 {
				public = n
			} else {
				bare = n
			}
		}
		return public, bare
	}
	pub, bare := measure(func(s *EventStore, b bool, id string, events []es.Envelope) {
		var err error
		if b {
			err = s.append(ctx, id, "Order", 0, events)
		} else {
			err = s.Append(ctx, id, "Order", 0, events)
		}
		require.NoError(t, err)
	})
	assert.Equal(t, bare, pub, "Append")
	pub, bare = measure(func(s *EventStore, b bool, id string, _ []es.Envelope) {
		var err error
		if b {
			_, err = s.load(ctx, "seed-"+id, 0)
		} else {
			_, err = s.Load(ctx, "seed-"+id, 0)
		}
		require.NoError(t, err)
	})
	assert.Equal(t, bare, pub, "Load")
	pub, bare = measure(func(s *EventStore, b bool, _ string, _ []es.Envelope) {
		var err error
		if b {
			_, err = s.readAll(ctx, 0, 10)
		} else {
			_, err = s.ReadAll(ctx, 0, 10)
		}
		require.NoError(t, err)
	})
	assert.Equal(t, bare, pub, "ReadAll")
}
