package testkit

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// undecodableText is what the suites write over a stored event's column with
// [Features.Corrupt]: metadata nested 10,001 levels deep (what versions without a nesting limit
// stored and could not read back), a payload that is not JSON.
func undecodableText(column string) string {
	if column == "metadata" {
		return strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001)
	}
	return `{"amount": 12,`
}

// breakOn is an upcaster that fails on one event, as a store's decoder fails on a row it cannot
// read.
type breakOn struct{ eventID *string }

func (b breakOn) AppliesTo(e es.Envelope) bool { return e.EventID == *b.eventID }

func (b breakOn) Upcast(e es.Envelope) (es.Envelope, error) {
	return e, errors.New("this event cannot be read")
}

// testUndecodableEvents: an event the store cannot hand out, between good events, ends a ReadAll
// page with an *es.DecodeError that names its id and position, after the events before it; a
// read from its position goes on with the events after it; Load of its aggregate fails with the
// same error and other aggregates load. Every store runs it with an upcaster that fails on the
// event; a store with Features.Corrupt also with rows whose metadata or payload does not decode.
// Before the rule, such an event failed every ReadAll that reached it, with nothing that named
// its position: a reader could never get past it.
func testUndecodableEvents(t *testing.T, newStore EventStoreFactory, f Features) {
	t.Run("upcaster", func(t *testing.T) {
		var bad string
		s := newStore(t, breakOn{&bad})
		good, broken := undecodableStream(t, s)
		bad = broken.EventID
		checkUndecodable(t, s, good, broken, "this event cannot be read")
	})
	for _, column := range []string{"metadata", "payload"} {
		t.Run(column, func(t *testing.T) {
			if f.Corrupt == nil {
				t.Skip("the store cannot hold an event that does not decode (Features.Corrupt is nil)")
			}
			s := newStore(t)
			good, broken := undecodableStream(t, s)
			f.Corrupt(t, s, broken.EventID, column, undecodableText(column))
			checkUndecodable(t, s, good, broken, column)
		})
	}
}

// undecodableStream appends 3 events of "a", the one event of "bad", and 3 events of "c", and
// returns them as read back: the good ones in stream order, and the one.
func undecodableStream(t *testing.T, s es.EventStore) ([]es.Envelope, es.Envelope) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, s.Append(ctx, "a", "T", 0, Envelopes(t, "E", 1, 3)))
	require.NoError(t, s.Append(ctx, "bad", "T", 0, Envelopes(t, "E", 1, 1)))
	require.NoError(t, s.Append(ctx, "c", "T", 0, Envelopes(t, "E", 1, 3)))
	all, err := s.ReadAll(ctx, 0, 100)
	require.NoError(t, err)
	require.Len(t, all, 7)
	return append(all[:3:3], all[4:]...), all[3]
}

// checkUndecodable checks the reads around broken, which the store cannot hand out; the error
// mentions cause.
func checkUndecodable(t *testing.T, s es.EventStore, good []es.Envelope, broken es.Envelope, cause string) {
	t.Helper()
	ctx := context.Background()
	requireDecodeError := func(err error, what string) {
		t.Helper()
		require.ErrorIs(t, err, es.ErrDecode, what)
		var de *es.DecodeError
		require.ErrorAs(t, err, &de, what)
		assert.Equal(t, broken.EventID, de.Event.EventID, what)
		assert.Equal(t, broken.AggregateID, de.Event.AggregateID, what)
		assert.Equal(t, broken.Sequence, de.Event.Sequence, what)
		assert.Equal(t, broken.GlobalPosition, de.Event.GlobalPosition, what)
		assert.Contains(t, err.Error(), broken.EventID, what)
		assert.Contains(t, err.Error(), strconv.FormatInt(broken.GlobalPosition, 10), what)
		assert.Contains(t, err.Error(), cause, what)
	}
	page, err := s.ReadAll(ctx, 0, 100)
	requireDecodeError(err, "ReadAll from the start")
	requireSame(t, good[:3], page, "ReadAll returns the events before it")

	page, err = s.ReadAll(ctx, good[2].GlobalPosition, 100)
	requireDecodeError(err, "ReadAll from just before it")
	assert.Empty(t, page, "ReadAll from just before it")

	page, err = s.ReadAll(ctx, 0, 3)
	require.NoError(t, err, "a page that ends before it")
	requireSame(t, good[:3], page, "a page that ends before it")

	page, err = s.ReadAll(ctx, broken.GlobalPosition, 100)
	require.NoError(t, err, "ReadAll from its position: its position is on the stream")
	requireSame(t, good[3:], page, "ReadAll from its position returns the events after it")

	events, err := s.Load(ctx, "bad", 0)
	requireDecodeError(err, "Load of its aggregate")
	assert.Empty(t, events, "Load returns no events with its error")
	for _, id := range []string{"a", "c"} {
		events, err = s.Load(ctx, id, 0)
		require.NoError(t, err, "Load of another aggregate")
		assert.Len(t, events, 3)
	}
	last, err := s.LastPosition(ctx)
	require.NoError(t, err)
	assert.Equal(t, good[5].GlobalPosition, last)
}

// requireSame requires got to be want's events, in order.
func requireSame(t *testing.T, want, got []es.Envelope, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		assert.Equal(t, want[i].EventID, got[i].EventID, what)
		assert.Equal(t, want[i].GlobalPosition, got[i].GlobalPosition, what)
		assert.True(t, want[i].Equal(got[i]), "%s: event %d", what, i)
	}
}

// testRunnerUndecodable: an event written with SQL between good events, whose metadata (then
// payload) the store cannot decode, under a runner with dead letters: every good event is
// applied once, in order; the bad one is parked with its decode error after the runner's
// attempts; the checkpoint moves past it to the end of the stream. Before the rule, the runner
// applied none of the events around it: the read itself failed, so nothing could be parked.
func testRunnerUndecodable(t *testing.T, backend ProjectionBackend) {
	for _, column := range []string{"metadata", "payload"} {
		t.Run(column, func(t *testing.T) {
			open := backend(t)
			s := open(t)
			if s.Corrupt == nil {
				t.Skip("the store cannot hold an event that does not decode (ProjectionStores.Corrupt is nil)")
			}
			logs := NewLogRecorder()
			appendEvents(t, s.Events, "order-1", 0, 3)
			appendEvents(t, s.Events, "order-bad", 0, 1)
			appendEvents(t, s.Events, "order-2", 0, 3)
			stream := readAll(t, s.Events)
			bad := stream[3]
			s.Corrupt(t, bad.EventID, column, undecodableText(column))
			good := append(append([]es.Envelope(nil), stream[:3]...), stream[4:]...)

			name := "undecodable_" + column
			p := &recorder{name: name, writer: "w", rm: s.ReadModel}
			r := suiteRunner(t, p, s, logs, projection.WithBatchSize(2), projection.WithDeadLetters(s.DeadLetters, 2))
			got := waitRows(t, s.ReadModel, len(good), 20*time.Second, logs)
			requireExactlyOnce(t, got, good)
			waitFor(t, 10*time.Second, func() string { return "the checkpoint at the end of the stream; log:\n" + logs.String() }, func() bool {
				pos, ok, err := s.Checkpoints.Position(context.Background(), name)
				require.NoError(t, err)
				return ok && pos == stream[6].GlobalPosition
			})
			assert.Zero(t, p.callsOf(bad.EventID), "the projection never sees it")
			letters, err := r.DeadLetters(context.Background(), 0, 10)
			require.NoError(t, err)
			require.Len(t, letters, 1)
			d := letters[0]
			assert.Equal(t, bad.EventID, d.Event.EventID)
			assert.Equal(t, bad.GlobalPosition, d.Event.GlobalPosition)
			assert.Equal(t, bad.AggregateID, d.Event.AggregateID)
			assert.Equal(t, 2, d.Attempts)
			assert.Contains(t, d.Error, "decode failed")
			assert.Contains(t, d.Error, column)
			assert.Equal(t, 1, logs.Count("projection_event_parked"))

			_, err = s.Events.ReadAll(context.Background(), 0, 100)
			var de *es.DecodeError
			require.ErrorAs(t, err, &de, "ReadAll still names the event")
			assert.Equal(t, bad.EventID, de.Event.EventID)
			assert.Equal(t, bad.GlobalPosition, de.Event.GlobalPosition)
		})
	}
}
