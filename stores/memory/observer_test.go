package memory_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// TestObserver: the event store reports its calls to its observer, as memory, without losing
// the unit of work the context carries.
func TestObserver(t *testing.T) {
	testkit.RunStoreObserverSuite(t, func(_ *testing.T, obs es.StoreObserver) es.EventStore {
		return memory.NewEventStore(memory.WithObserver(obs))
	}, es.SystemMemory)
	_, err := memory.NewEventStore(memory.WithObserver(nil)).LastPosition(context.Background())
	require.ErrorIs(t, err, es.ErrInvalidArgument)
}
