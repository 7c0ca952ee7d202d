package memory

import (
	"context"
	"fmt"
	"math/rand/v2"
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
		_, found := ids.hashed(&log, h, id)
		require.False(t, found, id)
		pos := log.add(&record{env: es.Envelope{EventID: id}})
		ids.addHashed(h, id, pos)
		at, found := ids.hashed(&log, h, id)
		require.True(t, found, id)
		assert.Equal(t, pos, at, id)
		assert.Equal(t, int64(1), ids.byHash[h], "the first id keeps the hash")
		assert.Len(t, ids.clash, i)
	}
	_, found := ids.hashed(&log, h, "fourth")
	assert.False(t, found)
	_, found = ids.hashed(&log, h+1, "first")
	assert.False(t, found, "another hash is another id")
}

// Ids in every order (rising as es.NewEnvelope makes them, a little late as concurrent writers
// commit them, chosen by callers) are found exactly when stored: the set agrees with a plain map
// on every id stored and on ids next to them, whichever way each was kept.
func TestEventIDsInAnyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var log eventLog
	ids := newEventIDs()
	want := map[string]int64{}
	var probes []string
	for i := range 5000 {
		var id string
		switch k := rng.IntN(10); {
		case k < 6: // rising
			id = fmt.Sprintf("t%08d", 2*i)
		case k < 8: // late: made before some of the ids stored already
			id = fmt.Sprintf("t%08d", 2*max(i-rng.IntN(40), 0)+1)
		case k < 9: // the caller's own
			id = fmt.Sprintf("c-%d", rng.IntN(1_000_000))
		default: // below every time-ordered id
			id = fmt.Sprintf("a%d", rng.IntN(1_000_000))
		}
		probes = append(probes, id, id+"x", id[:len(id)-1])
		if _, stored := want[id]; stored {
			require.True(t, ids.has(&log, id), id)
			continue
		}
		require.False(t, ids.has(&log, id), "%s before it is stored", id)
		pos := log.add(&record{env: es.Envelope{EventID: id}})
		ids.add(&log, id, pos)
		want[id] = pos
		require.True(t, ids.has(&log, id), "%s once stored", id)
	}
	assert.Greater(t, len(ids.ordered), 1000, "rising ids are kept by position")
	assert.Greater(t, len(ids.byHash), 1000, "the others are hashed")
	for _, id := range probes {
		pos, found := ids.find(&log, id)
		_, stored := want[id]
		assert.Equal(t, stored, found, id)
		assert.Equal(t, want[id], pos, id)
	}
	assert.False(t, ids.has(&log, ""), "the empty id")
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
