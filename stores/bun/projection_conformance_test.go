package bunstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

func TestCheckpointStoreConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			testkit.RunCheckpointStoreSuite(t, func(t *testing.T) projection.CheckpointStore {
				s, err := bunstore.NewCheckpointStore(openDB(t, b.url(t)))
				require.NoError(t, err)
				return s
			})
		})
	}
}

func TestLeaseConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			testkit.RunLeaseSuite(t, func(t *testing.T) projection.Lease {
				l, err := bunstore.NewLease(openDB(t, b.url(t)))
				require.NoError(t, err)
				return l
			})
		})
	}
}

func TestMembershipConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			testkit.RunMembershipSuite(t, func(t *testing.T) projection.Membership {
				m, err := bunstore.NewMembership(openDB(t, b.url(t)))
				require.NoError(t, err)
				return m
			})
		})
	}
}

func TestDeadLetterStoreConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			testkit.RunDeadLetterStoreSuite(t, func(t *testing.T) projection.DeadLetterStore {
				s, err := bunstore.NewDeadLetterStore(openDB(t, b.url(t)))
				require.NoError(t, err)
				return s
			})
		})
	}
}
