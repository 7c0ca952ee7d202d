package memory

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/testkit"
)

// Ids whose hashes are equal stay apart: the set confirms a hash on the stored event and keeps
// the later ids as text.
func TestEventIDsWithOneHash(t *testing.T) {
	var log eventLog
	ids := newEventIDs()
	const h = 42
	for i, id := range []string{"first", "second", "third"} {
		require.False(t, ids.hasHashed(&log, h, id), id)
		pos := log.add(&record{env: es.Envelope{EventID: id}})
		ids.addHashed(h, id, pos)
		require.True(t, ids.hasHashed(&log, h, id), id)
		assert.Equal(t, int64(1), ids.byHash[h], "the first id keeps the hash")
		assert.Len(t, ids.clash, i)
	}
	assert.False(t, ids.hasHashed(&log, h, "fourth"))
	assert.False(t, ids.hasHashed(&log, h+1, "first"), "another hash is another id")
}

// An append with an event id the store holds is refused, and nothing of it is written.
func TestAppendRefusesStoredIDs(t *testing.T) {
	ctx := context.Background()
	s := NewEventStore()
	first := testkit.Envelopes(t, "E", 0, 3)
	require.NoError(t, s.Append(ctx, "a", "T", 0, first))
	for _, id := range []string{first[0].EventID, first[2].EventID} {
		again := testkit.Envelopes(t, "E", 3, 2)
		again[1].EventID = id
		err := s.Append(ctx, "b", "T", 0, again)
		require.ErrorIs(t, err, es.ErrInvalidArgument)
		assert.ErrorContains(t, err, "events[1].EventID: \""+id+"\" is already stored")
	}
	v, err := s.LatestVersion(ctx, "b")
	require.NoError(t, err)
	assert.Zero(t, v)
	last, err := s.LastPosition(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(3), last)
}
