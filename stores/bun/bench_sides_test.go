package bunstore_test

import (
	"encoding/json"
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

// encodeBenchMetadata is the JSON of benchkit.Metadata, as a raw baseline writes it.
func encodeBenchMetadata() (string, error) {
	md, err := json.Marshal(benchkit.Metadata())
	return string(md), err
}

// decodeBenchMetadata decodes stored metadata as a raw baseline reads it.
func decodeBenchMetadata(raw []byte) (map[string]any, error) {
	m := map[string]any{}
	if len(raw) == 0 || string(raw) == "{}" {
		return m, nil
	}
	return m, json.Unmarshal(raw, &m)
}
