package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// hostileCase is one envelope at the edge of what validation accepts.
type hostileCase struct {
	name          string
	aggregateID   string
	aggregateType string
	mutate        func(e *es.Envelope)
}

func hostileCases() []hostileCase {
	deep := strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200)
	return []hostileCase{
		{"sql in ids and types", `'; DELETE FROM pyfly_event_store; --`, `T'); DROP TABLE x; --`, func(e *es.Envelope) {
			e.EventType = `E" OR "1"="1`
			e.TenantID = `t'--`
		}},
		{"unicode at the byte limits", strings.Repeat("日", 21) + "a", strings.Repeat("é", 127) + "a", func(e *es.Envelope) {
			e.EventType = strings.Repeat("ß", 127) + "x"
			e.TenantID = strings.Repeat("ü", 32)
			e.EventID = strings.Repeat("i", 64)
		}},
		{"white space and backslashes", " a\\b\t%_ ", "\\", func(e *es.Envelope) { e.EventType = "\\u0000" }},
		{"escaped backslash before u0000", "esc", "T", func(e *es.Envelope) {
			e.Payload = json.RawMessage(`{"s":"\\u0000","t":"\\\\u0000"}`)
		}},
		{"lone surrogate escape and emoji", "sur", "T", func(e *es.Envelope) {
			e.Payload = json.RawMessage(`{"s":"\ud800","e":"😀","k":"\uDE00\u0001"}`)
		}},
		{"extreme numbers", "num", "T", func(e *es.Envelope) {
			e.Payload = json.RawMessage(`{"big":123456789012345678901234567890,"tiny":1e-400,"huge":1e400,"neg":-0,"f":1.7976931348623157e308}`)
		}},
		{"deep and wide payload", "deep", "T", func(e *es.Envelope) {
			e.Payload = json.RawMessage(`{"deep":` + deep + `,"wide":"` + strings.Repeat("w", 1<<20) + `"}`)
		}},
		{"empty object payload", "empty", "T", func(e *es.Envelope) { e.Payload = json.RawMessage(`{}`) }},
		{"payload with white space", "ws", "T", func(e *es.Envelope) { e.Payload = json.RawMessage(" \n{ \"a\" : [ 1 , 2 ] }\t") }},
		{"metadata of every JSON kind", "meta", "T", func(e *es.Envelope) {
			e.Metadata = map[string]any{
				"":          "empty key",
				"nul\x00":   "key with NUL",
				"quote\"":   "v\"\\\n",
				"big":       int64(1)<<62 + 1,
				"neg big":   -(int64(1)<<60 + 3),
				"max":       uint64(math.MaxUint64),
				"float":     1.5,
				"nested":    map[string]any{"list": []any{1, "two", nil, true, map[string]any{}}},
				"bad utf8":  "\xff\xfe",
				"long text": strings.Repeat("m", 10000),
			}
		}},
		{"times at the edges", "t-min", "T", func(e *es.Envelope) { e.OccurredAt = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"last instant of year 9999", "t-max", "T", func(e *es.Envelope) {
			e.OccurredAt = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
		}},
		{"zero time", "t-zero", "T", func(e *es.Envelope) { e.OccurredAt = time.Time{} }},
		{"time in another zone with nanoseconds", "t-zone", "T", func(e *es.Envelope) {
			e.OccurredAt = time.Date(2024, 2, 29, 23, 30, 0, 123456789, time.FixedZone("X", -11*3600))
		}},
		{"schema versions at the edges", "ver", "T", func(e *es.Envelope) { e.Version = math.MaxInt32 }},
		{"schema version zero", "ver0", "T", func(e *es.Envelope) { e.Version = 0 }},
	}
}

// testHostileValuesRoundTrip appends every hostile value validation lets through and reads it
// back by Load and ReadAll: nothing accepted may make a read fail, and each comes back as every
// store returns it (times in UTC to the microsecond, metadata as JSON gives it back). Before the
// fix, the escaped text \\u0000 was refused as a NUL and metadata integers above 2^53 came back
// rounded.
func testHostileValuesRoundTrip(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	cases := hostileCases()
	want := map[string]es.Envelope{}
	for _, c := range cases {
		batch := Envelopes(t, "E", 1, 1)
		c.mutate(&batch[0])
		require.NoError(t, s.Append(ctx, c.aggregateID, c.aggregateType, 0, batch), c.name)
		want[batch[0].EventID] = wantStored(t, batch[0])
	}
	for _, c := range cases {
		got, err := s.Load(ctx, c.aggregateID, 0)
		require.NoError(t, err, "%s: Load", c.name)
		require.Len(t, got, 1, c.name)
		checkRoundTrip(t, c.name, want[got[0].EventID], got[0])
	}
	all, err := s.ReadAll(ctx, 0, len(cases)+10)
	require.NoError(t, err, "ReadAll over every hostile event")
	require.Len(t, all, len(cases))
	for _, e := range all {
		checkRoundTrip(t, "ReadAll "+e.AggregateID, want[e.EventID], e)
	}
	var after int64
	for range cases { // one by one: every position is a cursor ReadAll accepts
		page, err := s.ReadAll(ctx, after, 1)
		require.NoError(t, err)
		require.Len(t, page, 1)
		after = page[0].GlobalPosition
	}
}

func checkRoundTrip(t *testing.T, name string, want, got es.Envelope) {
	t.Helper()
	assert.Equal(t, want.AggregateID, got.AggregateID, name)
	assert.Equal(t, want.EventType, got.EventType, name)
	assert.Equal(t, want.TenantID, got.TenantID, name)
	assert.Equal(t, want.Version, got.Version, name)
	assert.True(t, want.OccurredAt.Equal(got.OccurredAt), "%s: occurred_at %v, want %v", name, got.OccurredAt, want.OccurredAt)
	assert.Equal(t, time.UTC, got.OccurredAt.Location(), name)
	assert.Equal(t, want.Metadata, got.Metadata, "%s: metadata", name)
	assert.True(t, want.Equal(got), "%s: envelope differs:\n got %s\nwant %s", name, brief(got), brief(want))
	dec := json.NewDecoder(bytes.NewReader(got.Payload))
	dec.UseNumber() // numbers beyond float64 decode as json.Number
	var v map[string]any
	assert.NoError(t, dec.Decode(&v), "%s: the payload decodes", name)
}

// testHostileValuesRefused lists what validation refuses, alike on every store, before anything
// is written. Before the rule, SQLite stored years 10000 and -1 and every later read of them
// failed with ErrDecode; memory and SQLite stored invalid UTF-8 inside JSON strings, which
// PostgreSQL refused; a negative Version was stored. Ids and types over es.MaxIDBytes and
// es.MaxTypeBytes, and aggregate ids and types with NUL or invalid UTF-8, are refused too.
func testHostileValuesRefused(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	type refused struct {
		aggregateID, aggregateType string
		mutate                     func(e *es.Envelope)
	}
	envelope := func(mutate func(e *es.Envelope)) refused { return refused{"a", "T", mutate} }
	aggregate := func(id, typ string) refused { return refused{id, typ, func(*es.Envelope) {}} }
	overID := strings.Repeat("i", es.MaxIDBytes) + "x"
	overType := strings.Repeat("t", es.MaxTypeBytes) + "x"
	cases := map[string]refused{
		"year 10000":    envelope(func(e *es.Envelope) { e.OccurredAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }),
		"negative year": envelope(func(e *es.Envelope) { e.OccurredAt = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) }),
		"year 0":        envelope(func(e *es.Envelope) { e.OccurredAt = time.Date(0, 12, 31, 23, 0, 0, 0, time.UTC) }),
		"year 10000 in UTC": envelope(func(e *es.Envelope) {
			e.OccurredAt = time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("W", -3600*2))
		}),
		"negative version":     envelope(func(e *es.Envelope) { e.Version = -1 }),
		"version over 32 bits": envelope(func(e *es.Envelope) { e.Version = math.MaxInt32 + 1 }),
		"NUL escape":           envelope(func(e *es.Envelope) { e.Payload = json.RawMessage(`{"a":"x\u0000y"}`) }),
		"NUL after backslash":  envelope(func(e *es.Envelope) { e.Payload = json.RawMessage(`{"a":"\\\u0000"}`) }),
		"invalid UTF-8":        envelope(func(e *es.Envelope) { e.Payload = json.RawMessage("{\"a\":\"\xff\"}") }),
		"invalid UTF-8 key":    envelope(func(e *es.Envelope) { e.Payload = json.RawMessage("{\"\xc3\x28\":1}") }),
		"raw control char":     envelope(func(e *es.Envelope) { e.Payload = json.RawMessage("{\"a\":\"\x01\"}") }),
		"too deep": envelope(func(e *es.Envelope) {
			e.Payload = json.RawMessage(`{"a":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`)
		}),
		"trailing text":                 envelope(func(e *es.Envelope) { e.Payload = json.RawMessage(`{}{}`) }),
		"NUL byte in id":                envelope(func(e *es.Envelope) { e.EventID = "a\x00b" }),
		"event type not UTF-8":          envelope(func(e *es.Envelope) { e.EventType = "\xff" }),
		"event id over the limit":       envelope(func(e *es.Envelope) { e.EventID = overID }),
		"tenant id over the limit":      envelope(func(e *es.Envelope) { e.TenantID = overID }),
		"event type over the limit":     envelope(func(e *es.Envelope) { e.EventType = overType }),
		"multibyte event type over":     envelope(func(e *es.Envelope) { e.EventType = strings.Repeat("é", es.MaxTypeBytes/2) + "é" }),
		"aggregate id over the limit":   aggregate(overID, "T"),
		"aggregate type over the limit": aggregate("a", overType),
		"NUL in aggregate type":         aggregate("a", "T\x00"),
		"aggregate type not UTF-8":      aggregate("a", "T\xc3\x28"),
		"NUL in aggregate id":           aggregate("a\x00", "T"),
		"aggregate id not UTF-8":        aggregate("\xff", "T"),
	}
	for name, c := range cases {
		env := Envelopes(t, "E", 1, 1)[0]
		c.mutate(&env)
		err := s.Append(ctx, c.aggregateID, c.aggregateType, 0, []es.Envelope{env})
		require.ErrorIs(t, err, es.ErrInvalidArgument, name)
	}
	all, err := s.ReadAll(ctx, 0, 100)
	require.NoError(t, err)
	assert.Empty(t, all, "refused input writes nothing")
}

// brief describes an envelope in a line, its payload cut short.
func brief(e es.Envelope) string {
	p := string(e.Payload)
	if len(p) > 120 {
		p = p[:120] + "…"
	}
	return fmt.Sprintf("{id=%s agg=%q type=%q seq=%d event=%q tenant=%q version=%d at=%s payload=%s}",
		e.EventID, e.AggregateID, e.AggregateType, e.Sequence, e.EventType, e.TenantID, e.Version, e.OccurredAt.Format(time.RFC3339Nano), p)
}
