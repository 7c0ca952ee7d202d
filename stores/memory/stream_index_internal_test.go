package memory

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/testkit"
)

// Aggregates whose ids hash alike keep streams of their own: the index confirms a hash on the
// stream's last event and keeps the later streams by id; each event links to the one before it in
// its own stream.
func TestStreamsWithOneHash(t *testing.T) {
	s := NewEventStore()
	const h = 7
	ids := []string{"a", "b", "c"}
	for round := range 3 { // the streams interleave in the log
		for i, id := range ids {
			ref := s.streams.findHashed(&s.log, h, id)
			require.Equal(t, int64(2*round), ref.head.n, id)
			assert.Equal(t, i > 0, ref.inClash, "only the first id keeps the hash")
			stored, err := copyIn(id, "T", int64(2*round), testkit.Envelopes(t, "E", 2*round, 2))
			require.NoError(t, err)
			s.write(id, ref, stored)
		}
	}
	for _, id := range ids {
		head := s.streams.findHashed(&s.log, h, id).head
		require.Equal(t, int64(6), head.n, id)
		for seq := int64(1); seq <= head.n; seq++ {
			e := s.log.at(s.log.positionOf(head, seq)).env
			assert.Equal(t, id, e.AggregateID)
			assert.Equal(t, seq, e.Sequence)
		}
	}
	assert.Zero(t, s.streams.findHashed(&s.log, h, "d").head.n, "an id of that hash with no stream")
	assert.Zero(t, s.streams.findHashed(&s.log, h+1, "a").head.n, "another hash is another stream")
	assert.Len(t, s.streams.clash, 2)
}
