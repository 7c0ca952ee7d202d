package bunstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/internal/benchkit"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// newStoreSide is ours: the event and snapshot stores on db, loads through the repository.
func newStoreSide(b testing.TB, db *bun.DB) *benchkit.StoreSide {
	snaps, err := bunstore.NewSnapshotStore(db)
	require.NoError(b, err)
	s, err := benchkit.NewStoreSide(newEventStore(b, db), snaps)
	require.NoError(b, err)
	return s
}

// newBareSide is the store variant on db reached past the observer checks (benchkit.Bare).
func newBareSide(b testing.TB, db *bun.DB) *benchkit.StoreSide {
	snaps, err := bunstore.NewSnapshotStore(db)
	require.NoError(b, err)
	s, err := benchkit.NewStoreSide(bunstore.Bare{EventStore: newEventStore(b, db)}, snaps)
	require.NoError(b, err)
	return s
}
