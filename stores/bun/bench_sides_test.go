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

// newBareSide is the store variant on db reached past the observer checks (benchkit.Bare).
func newBareSide(b testing.TB, db *bun.DB) *benchkit.StoreSide {
	snaps, err := bunstore.NewSnapshotStore(db)
	require.NoError(b, err)
	s, err := benchkit.NewStoreSide(bunstore.Bare{EventStore: newEventStore(b, db)}, snaps)
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

// rowScanner is what pgx.Rows and *sql.Rows have in common for the baselines' loops.
type rowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// foldPayloadRows folds rows of one payload column into st.
func foldPayloadRows(rows rowScanner, st *benchkit.State) error {
	var payload []byte
	for rows.Next() {
		if err := rows.Scan(&payload); err != nil {
			return err
		}
		if err := st.Fold(payload); err != nil {
			return err
		}
	}
	return rows.Err()
}

// foldPositionRows folds rows of (position, payload) into st; it returns the last position
// (after when there is none) and the count.
func foldPositionRows(rows rowScanner, after int64, st *benchkit.State) (int64, int, error) {
	n := 0
	var payload []byte
	for rows.Next() {
		if err := rows.Scan(&after, &payload); err != nil {
			return after, 0, err
		}
		if err := st.Fold(payload); err != nil {
			return after, 0, err
		}
		n++
	}
	return after, n, rows.Err()
}
