package storekit_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

type placed struct {
	Amount int `json:"amount"`
}

func TestValidateAppendNamesTheField(t *testing.T) {
	e1, err := es.NewEnvelope(placed{})
	require.NoError(t, err)
	e2 := e1.Clone()
	e2.EventID = "second"
	e2.EventType = strings.Repeat("t", 256)
	err = storekit.ValidateAppend("a", "T", 0, []es.Envelope{e1, e2})
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.EqualError(t, err, "eventsourcing: invalid argument: events[1].EventType: at most 255 bytes, got 256")
	e2.EventType = "E"
	e2.TenantID = "\xff"
	assert.EqualError(t, storekit.ValidateAppend("a", "T", 0, []es.Envelope{e1, e2}),
		"eventsourcing: invalid argument: events[1].TenantID: must be valid UTF-8")
	e2.TenantID = ""
	require.NoError(t, storekit.ValidateAppend("a", "T", 0, []es.Envelope{e1, e2}))
	assert.EqualError(t, storekit.ValidateAppend("a", strings.Repeat("T", 256), 0, []es.Envelope{e1}),
		"eventsourcing: invalid argument: aggregate type: at most 255 bytes, got 256")
}

func TestValidateSnapshot(t *testing.T) {
	ok := es.Snapshot{AggregateID: "a", AggregateType: "T", Sequence: 1, Payload: json.RawMessage(`{"x":1}`)}
	require.NoError(t, storekit.ValidateSnapshot(ok))
	for name, mutate := range map[string]func(*es.Snapshot){
		"empty id":        func(s *es.Snapshot) { s.AggregateID = "" },
		"long type":       func(s *es.Snapshot) { s.AggregateType = strings.Repeat("t", 256) },
		"zero sequence":   func(s *es.Snapshot) { s.Sequence = 0 },
		"null payload":    func(s *es.Snapshot) { s.Payload = json.RawMessage("null") },
		"array payload":   func(s *es.Snapshot) { s.Payload = json.RawMessage("[1]") },
		"invalid payload": func(s *es.Snapshot) { s.Payload = json.RawMessage("{") },
		"NUL in payload":  func(s *es.Snapshot) { s.Payload = json.RawMessage(`{"a":"\u0000"}`) },
	} {
		s := ok
		mutate(&s)
		assert.ErrorIs(t, storekit.ValidateSnapshot(s), es.ErrInvalidArgument, name)
	}
}

// What a caller gives nests at most MaxJSONDepth levels; an event a store read back (a dead
// letter's) may nest as deep as readers decode, so parking an event written before the limit
// applied does not fail.
func TestNestingLimits(t *testing.T) {
	e, err := es.NewEnvelope(placed{})
	require.NoError(t, err)
	deep := func(levels int) json.RawMessage {
		return json.RawMessage(strings.Repeat(`{"a":`, levels) + "1" + strings.Repeat("}", levels))
	}
	e.Payload = deep(storekit.MaxJSONDepth)
	require.NoError(t, storekit.ValidateAppend("a", "T", 0, []es.Envelope{e}))
	e.Payload = deep(storekit.MaxJSONDepth + 1)
	err = storekit.ValidateAppend("a", "T", 0, []es.Envelope{e})
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "events[0].Payload: nests deeper than 100 levels")

	e.Payload = deep(500)
	e.Metadata = map[string]any{"m": deepMap(500)}
	e.AggregateID, e.GlobalPosition = "a", 7
	d := projection.DeadLetter{Projection: "p", Event: e, Attempts: 1, FailedAt: time.Now()}
	require.NoError(t, storekit.ValidateDeadLetter(d))
	err = storekit.ValidateEnqueue("o", []es.Envelope{e}, time.Now())
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	e.Payload = deep(1)
	err = storekit.ValidateEnqueue("o", []es.Envelope{e}, time.Now())
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), `events[0].Metadata["m"]["a"]["a"]["a"]…["a"]["a"]: nests deeper than 100 levels`)
}

func deepMap(levels int) map[string]any {
	m := map[string]any{"end": true}
	for range levels - 1 {
		m = map[string]any{"a": m}
	}
	return m
}

// A stored event that does not decode is an *es.DecodeError naming the event: its id and place,
// and the cause once.
func TestDecodeEvent(t *testing.T) {
	stored := es.Envelope{EventID: "ev-1", AggregateID: "a", AggregateType: "T", Sequence: 4, EventType: "E",
		Payload: json.RawMessage(`{"n":1}`), GlobalPosition: 17}
	e, err := storekit.DecodeEvent(stored, []byte(`{"k":"v"}`), nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"k": "v"}, e.Metadata)

	deep := strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001)
	for name, tc := range map[string]struct {
		payload, metadata string
		keepsPayload      bool
		mention           string
	}{
		"metadata too deep": {`{"n":1}`, deep, true, "metadata: "},
		"metadata not JSON": {`{"n":1}`, `{"a":`, true, "metadata: "},
		"payload not JSON":  {`{"n":`, `{}`, false, "payload is not valid JSON"},
		"payload not UTF-8": {"{\"n\":\"\xff\"}", `{}`, false, "UTF-8"},
	} {
		in := stored
		in.Payload = json.RawMessage(tc.payload)
		_, err := storekit.DecodeEvent(in, []byte(tc.metadata), nil)
		require.ErrorIs(t, err, es.ErrDecode, name)
		var de *es.DecodeError
		require.ErrorAs(t, err, &de, name)
		assert.Equal(t, "ev-1", de.Event.EventID, name)
		assert.Equal(t, int64(17), de.Event.GlobalPosition, name)
		assert.Nil(t, de.Event.Metadata, name)
		assert.Equal(t, tc.keepsPayload, de.Event.Payload != nil, name)
		assert.Contains(t, err.Error(), tc.mention, name)
		assert.True(t, strings.HasPrefix(err.Error(), `eventsourcing: decode failed: event ev-1 of T "a" (sequence 4) at global position 17: `), "%s: %s", name, err)
		assert.Equal(t, 1, strings.Count(err.Error(), "decode failed"), "%s: %s", name, err)
	}
	// Rows nested deeper than what a caller may give, written before the limit applied, read back.
	in := stored
	in.Payload = json.RawMessage(strings.Repeat(`{"a":`, 500) + "1" + strings.Repeat("}", 500))
	_, err = storekit.DecodeEvent(in, []byte(strings.Repeat(`{"a":`, 500)+"1"+strings.Repeat("}", 500)), nil)
	require.NoError(t, err)
}

type renamer struct{}

func (renamer) AppliesTo(es.Envelope) bool { return true }
func (renamer) Upcast(e es.Envelope) (es.Envelope, error) {
	e.EventID += "-2"
	return e, nil
}

// Before the rule, an upcaster could change an event's id on read, which consumers de-duplicate on.
func TestUpcasterCannotRenameAnEvent(t *testing.T) {
	e := es.Envelope{EventID: "ev-1", AggregateID: "a", Sequence: 1, EventType: "E", Payload: json.RawMessage(`{}`), GlobalPosition: 3}
	_, err := storekit.ApplyUpcasters([]es.Upcaster{renamer{}}, e)
	var de *es.DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "ev-1", de.Event.EventID)
	assert.Contains(t, err.Error(), `changed its event id ("ev-1" to "ev-1-2")`)
}

func TestValidateAppendYearsInUTC(t *testing.T) {
	e, err := es.NewEnvelope(placed{})
	require.NoError(t, err)
	east, west := time.FixedZone("east", 3600), time.FixedZone("west", -3600)
	for _, c := range []struct {
		at time.Time
		ok bool
	}{
		{time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond), false},
		{time.Date(9999, time.December, 31, 23, 59, 59, 999999999, time.UTC), true},
		{time.Date(10000, time.January, 1, 0, 0, 0, 0, time.UTC), false},
		{time.Date(10000, time.January, 1, 0, 30, 0, 0, east), true},    // 9999-12-31 23:30 UTC
		{time.Date(9999, time.December, 31, 23, 30, 0, 0, west), false}, // 10000-01-01 00:30 UTC
		{time.Date(1, time.January, 1, 0, 30, 0, 0, east), false},       // year 0 in UTC
		{time.Time{}, true},
	} {
		e.OccurredAt = c.at
		err := storekit.ValidateAppend("a", "T", 0, []es.Envelope{e})
		if c.ok {
			assert.NoError(t, err, c.at)
			continue
		}
		require.ErrorIs(t, err, es.ErrInvalidArgument, c.at)
		assert.Contains(t, err.Error(), "events[0].OccurredAt: the year must be from 1 to 9999 in UTC", c.at)
	}
}

func TestValidateAppendRefusesAnIDTwiceInOneCall(t *testing.T) {
	for _, n := range []int{2, 16, 17, 100} { // pair by pair up to 16 events, a set above
		events := make([]es.Envelope, n)
		for i := range events {
			e, err := es.NewEnvelope(placed{Amount: i})
			require.NoError(t, err)
			events[i] = e
		}
		require.NoError(t, storekit.ValidateAppend("a", "T", 0, events), n)
		events[n-1].EventID = events[n/2-1].EventID
		events[n-1].Payload = json.RawMessage(`[]`) // after the id: the id is reported first
		assert.EqualError(t, storekit.ValidateAppend("a", "T", 0, events),
			fmt.Sprintf("eventsourcing: invalid argument: events[%d].EventID: %q appears twice in one call", n-1, events[n-1].EventID), n)
		events[n-2].Payload = json.RawMessage(`[]`) // an earlier event's fault comes first
		assert.ErrorContains(t, storekit.ValidateAppend("a", "T", 0, events), fmt.Sprintf("events[%d].Payload: must be a JSON object", n-2), n)
	}
}

// An upcaster that returns a new envelope without a global position keeps the stored one; a
// different position is still refused. Before the fix the first failed with "changed its global
// position (3 to 0)".
func TestUpcasterKeepsTheGlobalPosition(t *testing.T) {
	e := es.Envelope{EventID: "ev-1", AggregateID: "a", Sequence: 1, EventType: "E", Payload: json.RawMessage(`{}`), GlobalPosition: 3}
	fresh := es.UpcasterFunc{Match: func(es.Envelope) bool { return true }, Fn: func(in es.Envelope) (es.Envelope, error) {
		return es.Envelope{EventID: in.EventID, AggregateID: in.AggregateID, Sequence: in.Sequence, EventType: "E2", Payload: json.RawMessage(`{"v":2}`), Version: 2}, nil
	}}
	out, err := storekit.ApplyUpcasters([]es.Upcaster{fresh}, e)
	require.NoError(t, err)
	assert.Equal(t, int64(3), out.GlobalPosition)
	assert.Equal(t, "E2", out.EventType)

	mover := es.UpcasterFunc{Match: func(es.Envelope) bool { return true }, Fn: func(in es.Envelope) (es.Envelope, error) {
		in.GlobalPosition = 9
		return in, nil
	}}
	_, err = storekit.ApplyUpcasters([]es.Upcaster{mover}, e)
	require.ErrorIs(t, err, es.ErrDecode)
	assert.Contains(t, err.Error(), "changed its global position (3 to 9)")
}
