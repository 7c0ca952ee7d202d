package memory_test

import (
	"testing"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

func TestCheckpointStoreConformance(t *testing.T) {
	testkit.RunCheckpointStoreSuite(t, func(t *testing.T) projection.CheckpointStore {
		return memory.NewCheckpointStore()
	})
}

func TestLeaseConformance(t *testing.T) {
	testkit.RunLeaseSuite(t, func(t *testing.T) projection.Lease { return memory.NewLease() })
}

func TestDeadLetterStoreConformance(t *testing.T) {
	testkit.RunDeadLetterStoreSuite(t, func(t *testing.T) projection.DeadLetterStore {
		return memory.NewDeadLetterStore()
	})
}

func TestMembershipConformance(t *testing.T) {
	testkit.RunMembershipSuite(t, func(t *testing.T) projection.Membership { return memory.NewMembership() })
}
