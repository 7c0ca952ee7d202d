package brokertest

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
)

// CheckMessages receives one message per event stored for the given aggregates and checks each
// against its stored event: the message id and the event_id header are the event id, the payload
// is the event's, and the EDA headers carry its fields, its tenant, its correlation id and the
// global position ReadAll gives it; extra checks each message further. It acks every message and
// fails the test when one does not arrive within a minute.
func CheckMessages(t *testing.T, msgs <-chan *message.Message, events es.EventStore, aggregateIDs []string, extra func(*message.Message)) {
	t.Helper()
	want := storedEvents(t, events, aggregateIDs)
	stream := &streamReader{events: events, positions: map[string]int64{}}
	got := map[string]bool{}
	timeout := time.After(time.Minute)
	for len(got) < len(want) {
		var m *message.Message
		select {
		case m = <-msgs:
		case <-timeout:
			t.Fatalf("received %d of %d messages", len(got), len(want))
		}
		m.Ack()
		e, ok := want[m.UUID]
		if !assert.True(t, ok, "message %s is a stored event", m.UUID) {
			continue
		}
		got[m.UUID] = true
		assert.Equal(t, e.EventID, m.Metadata.Get(eda.MetaEventID))
		assert.Equal(t, e.EventType, m.Metadata.Get(eda.MetaEventType))
		assert.Equal(t, e.AggregateID, m.Metadata.Get(eda.MetaAggregateID))
		assert.Equal(t, e.AggregateType, m.Metadata.Get(eda.MetaAggregateType))
		assert.Equal(t, strconv.FormatInt(e.Sequence, 10), m.Metadata.Get(eda.MetaSequence))
		assert.Equal(t, strconv.Itoa(e.Version), m.Metadata.Get(eda.MetaVersion))
		assert.Equal(t, e.TenantID, m.Metadata.Get(eda.MetaTenantID))
		if pos, ok := stream.position(t, e.EventID); assert.True(t, ok, "event %s is on the global stream", e.EventID) {
			assert.Equal(t, strconv.FormatInt(pos, 10), m.Metadata.Get(eda.MetaGlobalPosition),
				"the global_position header of event %s", e.EventID)
		}
		correlation, _ := e.Metadata[es.MetadataCorrelationID].(string)
		assert.Equal(t, correlation, m.Metadata.Get(es.MetadataCorrelationID))
		at, err := time.Parse(time.RFC3339Nano, m.Metadata.Get(eda.MetaOccurredAt))
		if assert.NoError(t, err) {
			assert.True(t, at.Equal(e.OccurredAt), "occurred_at %v, want %v", at, e.OccurredAt)
		}
		var gotPayload, wantPayload any
		require.NoError(t, json.Unmarshal(m.Payload, &gotPayload))
		require.NoError(t, json.Unmarshal(e.Payload, &wantPayload))
		assert.Equal(t, wantPayload, gotPayload)
		if extra != nil {
			extra(m)
		}
	}
}

// storedEvents returns the events stored for the given aggregates by event id.
func storedEvents(t *testing.T, events es.EventStore, aggregateIDs []string) map[string]es.Envelope {
	t.Helper()
	want := map[string]es.Envelope{}
	for _, id := range aggregateIDs {
		stored, err := events.Load(context.Background(), id, 0)
		require.NoError(t, err)
		for _, e := range stored {
			want[e.EventID] = e
		}
	}
	return want
}

// streamReader pages the global stream and keeps each event's position by event id.
type streamReader struct {
	events    es.EventStore
	positions map[string]int64
	after     int64
}

// position returns the position ReadAll gives the event, reading on while it is not on the
// stream yet: a reader may see an event a little after a broker does (PostgreSQL shows events only
// once every transaction that began before theirs ended). It gives up after a minute.
func (r *streamReader) position(t *testing.T, eventID string) (int64, bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if pos, ok := r.positions[eventID]; ok {
			return pos, true
		}
		page, err := r.events.ReadAll(context.Background(), r.after, 1000)
		require.NoError(t, err)
		for _, e := range page {
			r.positions[e.EventID] = e.GlobalPosition
		}
		if len(page) > 0 {
			r.after = page[len(page)-1].GlobalPosition
			continue
		}
		if time.Now().After(deadline) {
			return 0, false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
