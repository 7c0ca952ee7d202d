package eventsourcing_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

func TestNewEnvelope(t *testing.T) {
	e, err := es.NewEnvelope(OrderPlaced{OrderID: "o-1", Amount: 99})
	require.NoError(t, err)
	assert.Len(t, e.EventID, 36)
	assert.Equal(t, "OrderPlaced", e.EventType)
	assert.JSONEq(t, `{"order_id":"o-1","amount":99}`, string(e.Payload))
	assert.Equal(t, 1, e.Version)
	assert.NotNil(t, e.Metadata)
	assert.Equal(t, time.UTC, e.OccurredAt.Location())
	assert.WithinDuration(t, time.Now(), e.OccurredAt, time.Minute)

	for _, bad := range []any{nil, 42, "text", []int{1}, (*OrderPlaced)(nil), map[string]any{"f": func() {}}} {
		_, err := es.NewEnvelope(bad)
		assert.ErrorIs(t, err, es.ErrInvalidArgument, "%T", bad)
	}
}

// TestNewEnvelopeIDsAreTimeOrdered: event ids are UUIDs of version 7 whose text sorts in the order
// they were made, and carries the time they were made.
func TestNewEnvelopeIDsAreTimeOrdered(t *testing.T) {
	before := time.Now()
	prev := ""
	for i := range 10_000 {
		e, err := es.NewEnvelope(OrderPlaced{OrderID: "o", Amount: i})
		require.NoError(t, err)
		id, err := uuid.Parse(e.EventID)
		require.NoError(t, err)
		require.Equal(t, uuid.Version(7), id.Version(), e.EventID)
		require.Equal(t, uuid.RFC4122, id.Variant(), e.EventID)
		require.Equal(t, id.String(), e.EventID, "the canonical text form")
		require.Less(t, prev, e.EventID, "id %d sorts after the one before", i)
		prev = e.EventID
		sec, nsec := id.Time().UnixTime()
		made := time.Unix(sec, nsec)
		require.False(t, made.Before(before.Truncate(time.Millisecond)), "id time %v before %v", made, before)
		require.False(t, made.After(time.Now()), "id time %v in the future", made)
	}
}

func TestEnvelopeJSONRoundTrip(t *testing.T) {
	e, err := es.NewEnvelope(OrderPlaced{OrderID: "o-1", Amount: 99})
	require.NoError(t, err)
	e.AggregateID, e.AggregateType, e.Sequence = "o-1", "Order", 3
	e.Metadata = map[string]any{"correlation_id": "c-1", "n": float64(2)}
	e.TenantID = "t-1"
	e.GlobalPosition = 42
	e.OccurredAt = time.Date(2026, 1, 1, 12, 0, 0, 123456000, time.FixedZone("CET", 3600))

	raw, err := json.Marshal(e)
	require.NoError(t, err)
	s := string(raw)
	assert.NotContains(t, s, "global_position")
	assert.Contains(t, s, `"occurred_at":"2026-01-01T11:00:00.123456Z"`, "times in UTC, RFC 3339")
	keys := []string{"event_id", "aggregate_id", "aggregate_type", "sequence", "event_type", "payload", "metadata", "occurred_at", "version", "tenant_id"}
	last := -1
	for _, k := range keys {
		i := strings.Index(s, `"`+k+`"`)
		require.Greater(t, i, last, "key %s in pyfly's order", k)
		last = i
	}

	var back es.Envelope
	require.NoError(t, json.Unmarshal(raw, &back))
	assert.True(t, e.Equal(back), "round trip")
	assert.Zero(t, back.GlobalPosition)
	assert.Equal(t, time.UTC, back.OccurredAt.Location())
	raw2, err := json.Marshal(back)
	require.NoError(t, err)
	assert.Equal(t, s, string(raw2), "round trip is exact")
}

func TestEnvelopeJSONEmptyFields(t *testing.T) {
	raw, err := json.Marshal(es.Envelope{EventID: "x", OccurredAt: time.Unix(0, 0)})
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"payload":{}`)
	assert.Contains(t, string(raw), `"metadata":{}`)
	assert.Contains(t, string(raw), `"tenant_id":null`)
}

func TestEnvelopeUnmarshalErrors(t *testing.T) {
	var e es.Envelope
	err := json.Unmarshal([]byte(`{"event_id":"x"}`), &e)
	require.ErrorIs(t, err, es.ErrDecode)
	assert.Contains(t, err.Error(), "aggregate_id")
	err = json.Unmarshal([]byte(`{"event_id":"x","aggregate_id":"a","aggregate_type":"T","sequence":1,"event_type":"E","payload":{},"metadata":{},"occurred_at":"yesterday","version":1}`), &e)
	require.ErrorIs(t, err, es.ErrDecode)
	assert.Contains(t, err.Error(), "occurred_at")

	// Metadata that is not an object does not decode (nesting deeper than 10,000 levels is
	// encoding/json's own syntax error, before the envelope's decoder runs); a number beyond
	// float64 is kept exactly as its text, as the stores keep it.
	withMetadata := func(md string) string {
		return `{"event_id":"x","aggregate_id":"a","aggregate_type":"T","sequence":1,"event_type":"E","payload":{},"metadata":` +
			md + `,"occurred_at":"2026-01-02T03:04:05Z","version":1}`
	}
	for _, md := range []string{`[1]`, `"s"`, `1`, `true`} {
		err := json.Unmarshal([]byte(withMetadata(md)), &e)
		require.ErrorIs(t, err, es.ErrDecode, "%.40s", md)
		assert.Contains(t, err.Error(), "metadata")
	}
	require.NoError(t, json.Unmarshal([]byte(withMetadata(`{"a":1e400,"b":9007199254740993}`)), &e))
	assert.Equal(t, json.Number("1e400"), e.Metadata["a"])
	assert.Equal(t, json.Number("9007199254740993"), e.Metadata["b"])
}

func TestEnvelopeEqualAndClone(t *testing.T) {
	e, err := es.NewEnvelope(OrderPlaced{Amount: 1})
	require.NoError(t, err)
	e.Metadata["nested"] = map[string]any{"a": []any{"b"}}
	c := e.Clone()
	c.GlobalPosition = 7
	assert.True(t, e.Equal(c), "Equal ignores GlobalPosition")
	c.Metadata["nested"].(map[string]any)["a"].([]any)[0] = "changed"
	c.Payload[1] = ' '
	assert.Equal(t, "b", e.Metadata["nested"].(map[string]any)["a"].([]any)[0], "Clone is deep")
	assert.False(t, e.Equal(c))
	d := e.Clone()
	d.Sequence = 2
	assert.False(t, e.Equal(d))
	f := e.Clone()
	f.Payload = []byte(" { \"amount\" : 1 , \"order_id\":\"\"}")
	assert.False(t, e.Equal(f), "payload key order is part of the text")
	g := e.Clone()
	g.Payload = []byte("{\"order_id\": \"\", \"amount\": 1}")
	assert.True(t, e.Equal(g), "insignificant white space is ignored")
}

// A payload of null reads as no payload, which marshals as {} again. Before the fix Payload held
// the bytes null, and a second marshal wrote "payload":null.
func TestEnvelopeUnmarshalNullPayload(t *testing.T) {
	var e es.Envelope
	require.NoError(t, json.Unmarshal([]byte(`{"event_id":"x","aggregate_id":"a","aggregate_type":"T","sequence":1,"event_type":"E","payload":null,"metadata":null,"occurred_at":"2026-01-01T00:00:00Z","version":1,"tenant_id":null}`), &e))
	assert.Nil(t, e.Payload)
	assert.Equal(t, map[string]any{}, e.Metadata)
	raw, err := json.Marshal(e)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"payload":{}`)
}

// Clone, WithMetadata and MetadataFrom copy typed slices and maps in metadata too. Before the fix
// a []string or map[string]string value stayed shared with the original.
func TestCloneCopiesTypedMetadata(t *testing.T) {
	e, err := es.NewEnvelope(OrderPlaced{Amount: 1})
	require.NoError(t, err)
	e.Metadata["tags"] = []string{"a"}
	e.Metadata["labels"] = map[string]string{"k": "v"}
	c := e.Clone()
	c.Metadata["tags"].([]string)[0] = "changed"
	c.Metadata["labels"].(map[string]string)["k"] = "changed"
	assert.Equal(t, []string{"a"}, e.Metadata["tags"])
	assert.Equal(t, map[string]string{"k": "v"}, e.Metadata["labels"])

	tags, labels := []string{"a"}, map[string]string{"k": "v"}
	ctx := es.WithMetadata(context.Background(), map[string]any{"tags": tags, "labels": labels})
	tags[0], labels["k"] = "changed", "changed"
	md := es.MetadataFrom(ctx)
	assert.Equal(t, []string{"a"}, md["tags"], "WithMetadata copies")
	assert.Equal(t, map[string]string{"k": "v"}, md["labels"], "WithMetadata copies")
	md["tags"].([]string)[0] = "changed"
	md["labels"].(map[string]string)["k"] = "changed"
	assert.Equal(t, []string{"a"}, es.MetadataFrom(ctx)["tags"], "MetadataFrom copies")
	assert.Equal(t, map[string]string{"k": "v"}, es.MetadataFrom(ctx)["labels"], "MetadataFrom copies")
}
