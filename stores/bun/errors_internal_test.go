package bunstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClassifySQLiteConstraints: the errors SQLite gives for each constraint of the event table
// (after migration 0005: position as the rowid, event_id and (aggregate_id, sequence) unique) are
// told apart, each marked as leaving its transaction usable (SQLite aborts only the statement).
func TestClassifySQLiteConstraints(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "events.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, Prepare(ctx, db, true))
	insert := `INSERT INTO pyfly_event_store (global_position, event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version)
		VALUES (?, ?, ?, 'T', ?, 'E', '{}', '{}', '2024-05-01T10:00:00.000000000Z', 1)`
	_, err = db.DB.ExecContext(ctx, insert, 1, "id-1", "a", 1)
	require.NoError(t, err)
	for _, c := range []struct {
		name string
		args []any
		want errKind
	}{
		{"event id", []any{nil, "id-1", "b", 1}, kindUniqueEventID},
		{"aggregate and sequence", []any{nil, "id-2", "a", 1}, kindUniqueSequence},
		{"position", []any{1, "id-3", "c", 1}, kindUniquePosition},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := db.DB.ExecContext(ctx, insert, c.args...)
			require.Error(t, err)
			d := classify(err)
			assert.Equal(t, c.want, d.kind, "%v", err)
			assert.True(t, d.keepsTx)
			assert.True(t, isUniqueViolation(err))
		})
	}
	assert.Equal(t, kindUniqueEventID, classifyPG("23505", "pyfly_event_store_pkey").kind)
	assert.Equal(t, kindUniqueEventID, classifyPG("23505", "pyfly_event_store_event_id_key").kind)
	assert.Equal(t, kindUniqueSequence, classifyPG("23505", "pyfly_event_store_aggregate_sequence_key").kind)
	assert.Equal(t, kindUniquePosition, classifyPG("23505", "pyfly_event_store_global_position_key").kind)
}
