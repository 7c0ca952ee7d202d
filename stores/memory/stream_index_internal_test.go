package memory

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/testkit"
)

// Aggregates whose ids hash alike keep streams of their own: the index confirms a hash on the
// stream's last event and keeps the later streams by id; each event links to the one before it in
// its own stream, and a stream that grows past linkWalk events keeps its positions, built from the
// links, whether it is kept by hash or by id.
func TestStreamsWithOneHash(t *testing.T) {
	s := NewEventStore()
	const h, batch = 7, 30
	ids := []string{"a", "b", "c"}
	for round := range 3 { // the streams interleave in the log and pass linkWalk in the third round
		for i, id := range ids {
			ref := s.streams.findHashed(&s.log, h, id)
			require.Equal(t, int64(batch*round), ref.head.n, id)
			assert.Equal(t, i > 0, ref.inClash, "only the first id keeps the hash")
			stored, err := copyIn(id, "T", int64(batch*round), testkit.Envelopes(t, "E", batch*round, batch))
			require.NoError(t, err)
			s.write(id, ref, stored)
		}
	}
	for _, id := range ids {
		ref := s.streams.findHashed(&s.log, h, id)
		require.Equal(t, int64(3*batch), ref.head.n, id)
		require.Greater(t, ref.head.n, int64(linkWalk))
		require.Len(t, s.streams.positions(ref, id), 3*batch, "%s keeps its positions", id)
		for seq := int64(1); seq <= ref.head.n; seq++ {
			e := s.log.at(s.streams.positionOf(&s.log, ref, id, seq)).env
			assert.Equal(t, id, e.AggregateID)
			assert.Equal(t, seq, e.Sequence)
		}
	}
	assert.Zero(t, s.streams.findHashed(&s.log, h, "d").head.n, "an id of that hash with no stream")
	assert.Zero(t, s.streams.findHashed(&s.log, h+1, "a").head.n, "another hash is another stream")
	assert.Len(t, s.streams.clash, 2)
	assert.Len(t, s.streams.long, 1)
	assert.Len(t, s.streams.longClash, 2)
}

// A long stream's events are found at once, whatever their sequence; a short one's by its links.
func TestLongStreamLookups(t *testing.T) {
	s := NewEventStore()
	for round := range 5 {
		stored, err := copyIn("long", "T", int64(40*round), testkit.Envelopes(t, "E", 40*round, 40))
		require.NoError(t, err)
		s.write("long", s.streams.find(&s.log, "long"), stored)
		stored, err = copyIn("other", "T", int64(round), testkit.Envelopes(t, "E", round, 1))
		require.NoError(t, err)
		s.write("other", s.streams.find(&s.log, "other"), stored)
	}
	long, other := s.streams.find(&s.log, "long"), s.streams.find(&s.log, "other")
	require.Equal(t, int64(200), long.head.n)
	require.Equal(t, int64(5), other.head.n)
	assert.Nil(t, s.streams.positions(other, "other"), "a short stream keeps no positions")
	for seq := int64(1); seq <= 200; seq++ {
		assert.Equal(t, seq, s.log.at(s.streams.positionOf(&s.log, long, "long", seq)).env.Sequence)
	}
	for seq := int64(1); seq <= 5; seq++ {
		assert.Equal(t, seq, s.log.at(s.streams.positionOf(&s.log, other, "other", seq)).env.Sequence)
	}
}

// A retry at an old version of a long stream is found at once and accepted; other events at that
// version are a conflict.
func TestRetryOnALongStream(t *testing.T) {
	ctx := t.Context()
	s := NewEventStore()
	first := testkit.Envelopes(t, "E", 0, 100)
	require.NoError(t, s.Append(ctx, "x", "T", 0, first))
	require.NoError(t, s.Append(ctx, "x", "T", 100, testkit.Envelopes(t, "E", 100, 100)))
	again := append([]es.Envelope(nil), first[10:20]...)
	require.NoError(t, s.Append(ctx, "x", "T", 10, again), "a retry of the events at sequences 11 to 20")
	err := s.Append(ctx, "x", "T", 10, testkit.Envelopes(t, "E", 10, 10))
	var conflict *es.ConcurrencyError
	require.ErrorAs(t, err, &conflict)
	assert.Equal(t, int64(200), conflict.Actual)
	v, err := s.LatestVersion(ctx, "x")
	require.NoError(t, err)
	assert.Equal(t, int64(200), v)
}
