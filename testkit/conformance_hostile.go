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
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// hostileCase is one envelope at the edge of what validation accepts.
type hostileCase struct {
	name          string
	aggregateID   string
	aggregateType string
	mutate        func(e *es.Envelope)
}

func hostileCases() []hostileCase {
	// With the payload's own object, the deepest value is at the limit.
	deep := strings.Repeat(`{"a":`, storekit.MaxJSONDepth-1) + "1" + strings.Repeat("}", storekit.MaxJSONDepth-1)
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
		{"payload of lists at the nesting limit", "deep-lists", "T", func(e *es.Envelope) {
			e.Payload = json.RawMessage(`{"l":` + strings.Repeat("[", storekit.MaxJSONDepth-1) + strings.Repeat("]", storekit.MaxJSONDepth-1) + `}`)
		}},
		{"metadata at the nesting limit", "meta-deep", "T", func(e *es.Envelope) { e.Metadata = NestedMetadata(storekit.MaxJSONDepth, false) }},
		{"metadata with lists at the nesting limit", "meta-deep-lists", "T", func(e *es.Envelope) {
			e.Metadata = NestedMetadata(storekit.MaxJSONDepth, true)
		}},
		{"metadata strings not UTF-8", "meta-utf8", "T", func(e *es.Envelope) {
			e.Metadata = map[string]any{"v": "a\xffb", "w": "\xc3"} // kept as JSON keeps them, as U+FFFD
		}},
		{"metadata sharing one map under many keys", "meta-shared", "T", func(e *es.Envelope) {
			shared := map[string]any{"x": 1.0}
			e.Metadata = map[string]any{"a": shared, "b": shared, "l": []any{shared, shared}}
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
		"one level past the limit": envelope(func(e *es.Envelope) {
			e.Payload = json.RawMessage(strings.Repeat(`{"a":`, storekit.MaxJSONDepth+1) + "1" + strings.Repeat("}", storekit.MaxJSONDepth+1))
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

// NestedMetadata returns metadata nested levels deep, counting the map itself as the first level
// (as storekit.MaxJSONDepth counts): maps inside maps under the key "a", or, with lists, a list
// holding a map on every other level. The deepest level holds a number.
func NestedMetadata(levels int, lists bool) map[string]any {
	var v any = 1.0
	for level := levels; level > 1; level-- {
		if lists && level%2 == 0 {
			v = []any{"x", v}
		} else {
			v = map[string]any{"a": v}
		}
	}
	return map[string]any{"a": v}
}

// refusedMetadata is the metadata every store refuses with es.ErrInvalidArgument, by name: one
// level past the nesting limit, maps and lists that contain themselves, numbers JSON cannot hold
// and keys that are not UTF-8. Each is built anew, so a store cannot keep a part of another.
// Before the rule, PostgreSQL and SQLite stored metadata nested 10,001 levels deep that no read
// could decode again, and a map that contained itself overflowed the memory store's stack.
func refusedMetadata() map[string]map[string]any {
	selfMap := map[string]any{"k": "v"}
	selfMap["self"] = selfMap
	selfList := []any{"x", nil}
	selfList[1] = selfList
	viaList := map[string]any{}
	viaList["l"] = []any{1.0, map[string]any{"back": viaList}}
	a, b := map[string]any{}, map[string]any{}
	a["b"], b["a"] = b, a
	twice := map[string]any{}
	twice["x"], twice["y"] = twice, twice
	return map[string]map[string]any{
		"one level past the limit":            NestedMetadata(storekit.MaxJSONDepth+1, false),
		"one level past the limit with lists": NestedMetadata(storekit.MaxJSONDepth+1, true),
		"10,001 levels":                       NestedMetadata(10001, false),
		"a map that contains itself":          selfMap,
		"a list that contains itself":         {"l": selfList},
		"a cycle through a list":              viaList,
		"a cycle through two maps":            {"a": a},
		"a map inside itself twice":           twice,
		"NaN":                                 {"n": math.NaN()},
		"+Inf":                                {"n": math.Inf(1)},
		"-Inf":                                {"n": math.Inf(-1)},
		"NaN in a list":                       {"l": []any{1.0, math.NaN()}},
		"float32 infinity":                    {"n": float32(math.Inf(1))},
		"NaN in a struct":                     {"s": struct{ F float64 }{math.NaN()}},
		"key not UTF-8":                       {"\xff": "x"},
		"nested key not UTF-8":                {"m": map[string]any{"a\xc3": 1.0}},
		"key not UTF-8 in a map of strings":   {"m": map[string]string{"\xfe\xff": "x"}},
		"a channel":                           {"c": make(chan int)},
	}
}

// testHostileMetadataRefused appends every metadata of refusedMetadata, alike on every store:
// each append is refused with es.ErrInvalidArgument naming the event's metadata, without a
// crash, and the stream stays readable and writable after each refusal.
func testHostileMetadataRefused(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	good := Envelopes(t, "E", 1, 1)
	require.NoError(t, s.Append(ctx, "a", "T", 0, good))
	version := int64(1)
	for name, md := range refusedMetadata() {
		batch := Envelopes(t, "E", 1, 2)
		batch[1].Metadata = md
		err := s.Append(ctx, "a", "T", version, batch)
		require.ErrorIs(t, err, es.ErrInvalidArgument, name)
		assert.Contains(t, err.Error(), "events[1].Metadata", name)
		got, err := s.Load(ctx, "a", 0)
		require.NoError(t, err, "%s: the stream stays readable", name)
		require.Len(t, got, int(version), "%s: nothing of the refused batch is stored", name)
		all, err := s.ReadAll(ctx, 0, 100)
		require.NoError(t, err, name)
		require.Len(t, all, int(version), name)
		require.NoError(t, s.Append(ctx, "a", "T", version, Envelopes(t, "E", 1, 1)), "%s: the stream stays writable", name)
		version++
	}
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
