package memory_test

import (
	"testing"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/internal/faults"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/brokertest"
)

func TestEventStoreConformance(t *testing.T) {
	testkit.RunEventStoreSuite(t, func(t *testing.T, ups ...es.Upcaster) es.EventStore {
		return memory.NewEventStore(memory.WithUpcasters(ups...))
	}, testkit.Features{DensePositions: true})
}

func TestSnapshotStoreConformance(t *testing.T) {
	testkit.RunSnapshotStoreSuite(t, func(t *testing.T) es.SnapshotStore {
		return memory.NewSnapshotStore()
	})
}

func TestOutboxStoreConformance(t *testing.T) {
	testkit.RunOutboxStoreSuite(t, func(t *testing.T) testkit.OutboxTarget {
		events := memory.NewEventStore()
		s := memory.NewOutboxStore(memory.WithEvents(events))
		cps, lease := memory.NewCheckpointStore(), memory.NewLease()
		return testkit.OutboxTarget{
			Store:       s,
			Tx:          s,
			Events:      events,
			Open:        func(*testing.T) (outbox.Store, func()) { return faults.Killable(s) },
			Checkpoints: func(*testing.T) projection.CheckpointStore { return cps },
			Lease:       func(*testing.T) projection.Lease { return lease },
		}
	}, brokertest.All()...)
}
