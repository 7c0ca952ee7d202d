package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// EventStoreFactory returns a new, empty store for one test, applying the given upcasters on reads.
type EventStoreFactory func(t *testing.T, upcasters ...es.Upcaster) es.EventStore

// Features declares what a store promises beyond the [es.EventStore] contract.
type Features struct {
	// DensePositions: global positions are exactly 1, 2, 3… in commit order (memory, SQLite).
	DensePositions bool
	// Corrupt, when set, writes value over what store s keeps of the stored event eventID in
	// column ("metadata" or "payload"), as a row written by hand, by another program or by an
	// older version may hold it: the store then cannot decode that event. A store that can hold
	// no such event (memory: it keeps decoded envelopes) leaves it nil, and the cases about
	// undecodable events use an upcaster that fails instead.
	Corrupt func(t *testing.T, s es.EventStore, eventID, column, value string)
}

// EventStoreTarget is what the event store suite runs on: a factory of empty stores and what
// those stores promise.
type EventStoreTarget struct {
	New      EventStoreFactory
	Features Features
}

// EventStoreTest is one named case of the event store suite. Run a single case with
// tc.Run(t, testkit.EventStoreTarget{New: newStore, Features: f}), or filter with
// go test -run 'Suite/Name'.
type EventStoreTest = Case[EventStoreTarget]

// eventStoreCase makes a case of the event store suite out of a test of a factory and features.
func eventStoreCase(name string, run func(t *testing.T, newStore EventStoreFactory, f Features)) EventStoreTest {
	return EventStoreTest{Name: name, Run: func(t *testing.T, target EventStoreTarget) { run(t, target.New, target.Features) }}
}

// EventStoreTests returns the cases of the event store suite, in the order
// [RunEventStoreSuite] runs them.
func EventStoreTests() []EventStoreTest {
	return []EventStoreTest{
		eventStoreCase("AppendAndLoad", testAppendAndLoad),
		eventStoreCase("AppendSetsPositions", testAppendSetsPositions),
		eventStoreCase("LoadAfterSequence", testLoadAfterSequence),
		eventStoreCase("UnknownAggregate", testUnknownAggregate),
		eventStoreCase("VersionMismatch", testVersionMismatch),
		eventStoreCase("AllOrNothing", testAllOrNothing),
		eventStoreCase("BadInput", testBadInput),
		eventStoreCase("HostileIDs", testHostileIDs),
		eventStoreCase("HostileValuesRoundTrip", testHostileValuesRoundTrip),
		eventStoreCase("HostileValuesRefused", testHostileValuesRefused),
		eventStoreCase("HostileMetadataRefused", testHostileMetadataRefused),
		eventStoreCase("CopiesInAndOut", testCopiesInAndOut),
		eventStoreCase("MetadataAndTenant", testMetadataAndTenant),
		eventStoreCase("ReadAllPaging", testReadAllPaging),
		eventStoreCase("ReadAllCursorNotOnStream", testReadAllCursorNotOnStream),
		eventStoreCase("Upcasters", testUpcasters),
		eventStoreCase("UpcastersCannotMoveEvents", testUpcastersCannotMoveEvents),
		eventStoreCase("UndecodableEvents", testUndecodableEvents),
		eventStoreCase("RaceSameExpectedVersion", testRaceSameExpectedVersion),
		eventStoreCase("ConcurrentAggregates", testConcurrentAggregates),
		eventStoreCase("ConcurrentSameEventID", testConcurrentSameEventID),
		eventStoreCase("Transactions", testTransactions),
		eventStoreCase("TransactionEnds", testTransactionEnds),
		eventStoreCase("IdempotentRetry", testIdempotentRetry),
	}
}

// RunEventStoreSuite runs every case of [EventStoreTests] as a subtest named after it: the
// conformance suite every [es.EventStore] must pass.
func RunEventStoreSuite(t *testing.T, newStore EventStoreFactory, f Features) {
	t.Helper()
	runCases(t, EventStoreTests(), EventStoreTarget{New: newStore, Features: f})
}

// suiteEvent is the event the suites store.
type suiteEvent struct {
	N    int    `json:"n"`
	Text string `json:"text"`
}

// Envelopes returns n envelopes of event type eventType with payloads {"n": from+i, "text": …}.
func Envelopes(t testing.TB, eventType string, from, n int) []es.Envelope {
	t.Helper()
	out := make([]es.Envelope, n)
	for i := range out {
		e, err := es.NewEnvelope(suiteEvent{N: from + i, Text: strings.Repeat("x", 16)})
		require.NoError(t, err)
		e.EventType = eventType
		out[i] = e
	}
	return out
}

func testAppendAndLoad(t *testing.T, newStore EventStoreFactory, f Features) {
	ctx := context.Background()
	s := newStore(t)
	evs := Envelopes(t, "Placed", 1, 3)
	require.NoError(t, s.Append(ctx, "order-1", "Order", 0, evs))
	for i, e := range evs {
		assert.Equal(t, "order-1", e.AggregateID, "Append fills AggregateID")
		assert.Equal(t, "Order", e.AggregateType, "Append fills AggregateType")
		assert.Equal(t, int64(i+1), e.Sequence, "Append fills Sequence")
	}
	got, err := s.Load(ctx, "order-1", 0)
	require.NoError(t, err)
	require.Len(t, got, 3)
	var last int64
	for i, e := range got {
		assert.True(t, evs[i].Equal(e), "loaded envelope %d differs:\n got %+v\nwant %+v", i, e, evs[i])
		assert.Greater(t, e.GlobalPosition, last, "positions increase along a stream")
		assert.Equal(t, "UTC", e.OccurredAt.Location().String())
		last = e.GlobalPosition
	}
	v, err := s.LatestVersion(ctx, "order-1")
	require.NoError(t, err)
	assert.Equal(t, int64(3), v)
	require.NoError(t, s.Append(ctx, "order-1", "Order", 3, Envelopes(t, "Shipped", 4, 1)))
	v, err = s.LatestVersion(ctx, "order-1")
	require.NoError(t, err)
	assert.Equal(t, int64(4), v)
	lp, err := s.LastPosition(ctx)
	require.NoError(t, err)
	all, err := s.ReadAll(ctx, 0, 100)
	require.NoError(t, err)
	require.Len(t, all, 4)
	assert.Equal(t, all[3].GlobalPosition, lp, "LastPosition is the last event's position")
	if f.DensePositions {
		for i, e := range all {
			assert.Equal(t, int64(i+1), e.GlobalPosition, "dense positions")
		}
	}
}

func testLoadAfterSequence(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	require.NoError(t, s.Append(ctx, "a", "T", 0, Envelopes(t, "E", 1, 5)))
	got, err := s.Load(ctx, "a", 3)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, int64(4), got[0].Sequence)
	assert.Equal(t, int64(5), got[1].Sequence)
	got, err = s.Load(ctx, "a", 5)
	require.NoError(t, err)
	assert.Empty(t, got)
	_, err = s.Load(ctx, "a", -1)
	assert.ErrorIs(t, err, es.ErrInvalidArgument)
}

func testUnknownAggregate(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	got, err := s.Load(ctx, "nobody", 0)
	require.NoError(t, err)
	assert.Empty(t, got)
	v, err := s.LatestVersion(ctx, "nobody")
	require.NoError(t, err)
	assert.Zero(t, v)
	lp, err := s.LastPosition(ctx)
	require.NoError(t, err)
	assert.Zero(t, lp)
	all, err := s.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, all)
}

func testVersionMismatch(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	require.NoError(t, s.Append(ctx, "a", "T", 0, Envelopes(t, "E", 1, 2)))
	for _, expected := range []int64{0, 1, 3} {
		evs := Envelopes(t, "E", 9, 1)
		err := s.Append(ctx, "a", "T", expected, evs)
		require.ErrorIs(t, err, es.ErrConcurrency, "expected %d", expected)
		var ce *es.ConcurrencyError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "a", ce.AggregateID)
		assert.Equal(t, expected, ce.Expected)
		assert.Equal(t, int64(2), ce.Actual)
		assert.Contains(t, err.Error(), fmt.Sprintf("expected version %d, found 2", expected))
		assert.Zero(t, evs[0].Sequence, "envelopes are filled only on success")
	}
	v, err := s.LatestVersion(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, int64(2), v)
}

func testAllOrNothing(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	first := Envelopes(t, "E", 1, 1)
	require.NoError(t, s.Append(ctx, "a", "T", 0, first))

	// The third event reuses an event id already stored for another aggregate: the whole batch fails,
	// and it is bad input, not a concurrency conflict.
	batch := Envelopes(t, "E", 1, 3)
	batch[2].EventID = first[0].EventID
	err := s.Append(ctx, "b", "T", 0, batch)
	require.Error(t, err)
	assert.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.NotErrorIs(t, err, es.ErrConcurrency)
	v, err := s.LatestVersion(ctx, "b")
	require.NoError(t, err)
	assert.Zero(t, v, "a failed batch writes nothing")
	all, err := s.ReadAll(ctx, 0, 100)
	require.NoError(t, err)
	assert.Len(t, all, 1)
	for _, e := range batch {
		assert.Zero(t, e.Sequence)
		assert.Empty(t, e.AggregateID)
	}
}

func testBadInput(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	ok := func() []es.Envelope { return Envelopes(t, "E", 1, 1) }
	cases := []struct {
		name, id, typ string
		expected      int64
		events        func() []es.Envelope
		mention       string
	}{
		{"empty id", "", "T", 0, ok, "aggregate id"},
		{"id over 64 bytes", strings.Repeat("a", 65), "T", 0, ok, "64 bytes"},
		{"id not UTF-8", "a\xff", "T", 0, ok, "UTF-8"},
		{"id with NUL", "a\x00b", "T", 0, ok, "NUL"},
		{"negative expected", "a", "T", -1, ok, "expected version"},
		{"no events", "a", "T", 0, func() []es.Envelope { return nil }, "at least one event"},
		{"empty event type", "a", "T", 0, func() []es.Envelope { e := ok(); e[0].EventType = ""; return e }, "EventType"},
		{"missing event id", "a", "T", 0, func() []es.Envelope { e := ok(); e[0].EventID = ""; return e }, "EventID"},
		{"repeated event id", "a", "T", 0, func() []es.Envelope {
			e := Envelopes(t, "E", 1, 2)
			e[1].EventID = e[0].EventID
			return e
		}, "twice"},
		{"payload not JSON", "a", "T", 0, func() []es.Envelope { e := ok(); e[0].Payload = json.RawMessage("not json"); return e }, "JSON object"},
		{"payload JSON array", "a", "T", 0, func() []es.Envelope { e := ok(); e[0].Payload = json.RawMessage("[1,2]"); return e }, "JSON object"},
		{"payload with NUL", "a", "T", 0, func() []es.Envelope { e := ok(); e[0].Payload = json.RawMessage(`{"a":"\u0000"}`); return e }, "NUL"},
		{"metadata not JSON", "a", "T", 0, func() []es.Envelope { e := ok(); e[0].Metadata = map[string]any{"f": func() {}}; return e }, `Metadata["f"]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := c.events()
			err := s.Append(ctx, c.id, c.typ, c.expected, evs)
			require.ErrorIs(t, err, es.ErrInvalidArgument)
			assert.Contains(t, err.Error(), c.mention)
		})
	}
	all, err := s.ReadAll(ctx, 0, 100)
	require.NoError(t, err)
	assert.Empty(t, all, "bad input writes nothing")
	_, err = s.ReadAll(ctx, 0, 0)
	assert.ErrorIs(t, err, es.ErrInvalidArgument)
	_, err = s.ReadAll(ctx, -1, 10)
	assert.ErrorIs(t, err, es.ErrInvalidArgument)
	_, err = s.Load(ctx, strings.Repeat("a", 65), 0)
	assert.ErrorIs(t, err, es.ErrInvalidArgument)
	_, err = s.LatestVersion(ctx, "")
	assert.ErrorIs(t, err, es.ErrInvalidArgument)
}

func testHostileIDs(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	ids := []string{
		`x'; DROP TABLE pyfly_event_store; --`,
		`" OR 1=1 --`,
		`%_\`,
		strings.Repeat("é", 32), // 64 bytes
		strings.Repeat("'", 64),
	}
	for i, id := range ids {
		require.NoError(t, s.Append(ctx, id, `Type'"`, 0, Envelopes(t, `ev'"`, i, 2)), "id %q", id)
	}
	for _, id := range ids {
		got, err := s.Load(ctx, id, 0)
		require.NoError(t, err)
		require.Len(t, got, 2, "id %q", id)
		assert.Equal(t, id, got[0].AggregateID)
		assert.Equal(t, `Type'"`, got[0].AggregateType)
	}
	got, err := s.Load(ctx, "%", 0)
	require.NoError(t, err)
	assert.Empty(t, got, "ids are compared exactly, not as patterns")
}

func testCopiesInAndOut(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	evs := Envelopes(t, "E", 1, 1)
	evs[0].Metadata = map[string]any{"k": "v", "nested": map[string]any{"a": "b"}}
	original := bytes.Clone(evs[0].Payload)
	require.NoError(t, s.Append(ctx, "a", "T", 0, evs))
	evs[0].Payload[2] = 'X'
	evs[0].Metadata["k"] = "changed"
	evs[0].Metadata["nested"].(map[string]any)["a"] = "changed"

	got, err := s.Load(ctx, "a", 0)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "v", got[0].Metadata["k"], "the store kept its own copy of the metadata")
	assert.Equal(t, "b", got[0].Metadata["nested"].(map[string]any)["a"])
	// The mutation keeps the payload valid JSON ({"n":…} becomes {"X":…}), so only comparing the
	// bytes tells a shared buffer from a copy.
	assert.JSONEq(t, string(original), string(got[0].Payload), "the store kept its own copy of the payload")
	got[0].Payload[2] = 'Y'
	got[0].Metadata["k"] = "mine"

	again, err := s.Load(ctx, "a", 0)
	require.NoError(t, err)
	assert.Equal(t, "v", again[0].Metadata["k"], "a loaded envelope is the caller's copy")
	assert.JSONEq(t, string(original), string(again[0].Payload), "a loaded payload is the caller's copy")
	page, err := s.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	page[0].Metadata["k"] = "mine"
	page[0].Payload[2] = 'Z'
	again, err = s.Load(ctx, "a", 0)
	require.NoError(t, err)
	assert.Equal(t, "v", again[0].Metadata["k"], "a ReadAll envelope is the caller's copy")
	assert.JSONEq(t, string(original), string(again[0].Payload), "a ReadAll payload is the caller's copy")
}

func testMetadataAndTenant(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	evs := Envelopes(t, "E", 1, 2)
	evs[0].Metadata = map[string]any{"correlation_id": "c-1", "n": 7, "list": []string{"a", "b"}}
	evs[0].TenantID = "tenant-9"
	evs[1].Version = 3
	require.NoError(t, s.Append(ctx, "a", "T", 0, evs))
	got, err := s.Load(ctx, "a", 0)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, map[string]any{"correlation_id": "c-1", "n": float64(7), "list": []any{"a", "b"}}, got[0].Metadata,
		"metadata comes back as JSON would give it")
	assert.Equal(t, "tenant-9", got[0].TenantID)
	assert.Equal(t, "", got[1].TenantID)
	assert.NotNil(t, got[1].Metadata)
	assert.Equal(t, 3, got[1].Version)
	assert.True(t, evs[0].OccurredAt.Equal(got[0].OccurredAt), "occurred_at kept to the microsecond")
}

func testReadAllPaging(t *testing.T, newStore EventStoreFactory, f Features) {
	ctx := context.Background()
	s := newStore(t)
	total := 0
	for round := 0; round < 3; round++ {
		for _, id := range []string{"a", "b", "c"} {
			require.NoError(t, s.Append(ctx, id, "T", int64(round*2), Envelopes(t, "E", round*2, 2)))
			total += 2
		}
	}
	var seen []es.Envelope
	var after int64
	for {
		page, err := s.ReadAll(ctx, after, 4)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		require.LessOrEqual(t, len(page), 4)
		for _, e := range page {
			require.Greater(t, e.GlobalPosition, after, "positions strictly increase")
			after = e.GlobalPosition
		}
		seen = append(seen, page...)
	}
	require.Len(t, seen, total)
	next := map[string]int64{}
	ids := map[string]bool{}
	for _, e := range seen {
		assert.Equal(t, next[e.AggregateID]+1, e.Sequence, "each aggregate streams in sequence order")
		next[e.AggregateID] = e.Sequence
		assert.False(t, ids[e.EventID], "each event once")
		ids[e.EventID] = true
	}
	lp, err := s.LastPosition(ctx)
	require.NoError(t, err)
	assert.Equal(t, after, lp)
	if f.DensePositions {
		assert.Equal(t, int64(total), lp)
	}
	page, err := s.ReadAll(ctx, lp, 10)
	require.NoError(t, err)
	assert.Empty(t, page, "nothing after the last position")
}

// testReadAllCursorNotOnStream: a cursor that is not a stored position (a rewound stream, a
// reader of another database) fails loudly, saying what to do. Before the rule, ReadAll returned
// an empty page or the events after it, and a reader could skip events silently.
func testReadAllCursorNotOnStream(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	require.NoError(t, s.Append(ctx, "a", "T", 0, Envelopes(t, "E", 1, 2)))
	lp, err := s.LastPosition(ctx)
	require.NoError(t, err)
	_, err = s.ReadAll(ctx, lp+1_000_003, 10)
	require.ErrorIs(t, err, es.ErrInvalidArgument, "a cursor beyond the stream is not on this store's stream")
	assert.Contains(t, err.Error(), "not on")
	assert.Contains(t, err.Error(), "rebuild the reader from 0", "the error says what to do")
}

// v1Bumper upcasts version-1 "Renamed" events into version 2 "RenamedV2", mutating its input in
// place.
type v1Bumper struct{ calls *int }

func (u v1Bumper) AppliesTo(e es.Envelope) bool { return e.EventType == "Renamed" && e.Version == 1 }

func (u v1Bumper) Upcast(e es.Envelope) (es.Envelope, error) {
	*u.calls++
	e.EventType = "RenamedV2"
	e.Version = 2
	if e.Metadata == nil {
		e.Metadata = map[string]any{}
	}
	e.Metadata["upcast"] = "yes" // writes into its input's map: the store must have handed it a copy
	return e, nil
}

// fieldAdder adds "added": true to the payload of "RenamedV2" events.
type fieldAdder struct{}

func (fieldAdder) AppliesTo(e es.Envelope) bool { return e.EventType == "RenamedV2" }

func (fieldAdder) Upcast(e es.Envelope) (es.Envelope, error) {
	var m map[string]any
	if err := json.Unmarshal(e.Payload, &m); err != nil {
		return e, err
	}
	m["added"] = true
	b, err := json.Marshal(m)
	e.Payload = b
	return e, err
}

// mover rewrites the place of "Moved" events, which no upcaster may do.
type mover struct{ field string }

func (m mover) AppliesTo(e es.Envelope) bool { return e.EventType == "Moved" }

func (m mover) Upcast(e es.Envelope) (es.Envelope, error) {
	switch m.field {
	case "aggregate id":
		e.AggregateID += "-x"
	case "sequence":
		e.Sequence += 10
	case "event id":
		e.EventID += "-x"
	default:
		e.GlobalPosition += 1000
	}
	return e, nil
}

// failingUpcaster refuses every "Broken" event.
type failingUpcaster struct{}

func (failingUpcaster) AppliesTo(e es.Envelope) bool { return e.EventType == "Broken" }

func (failingUpcaster) Upcast(e es.Envelope) (es.Envelope, error) {
	return e, errors.New("cannot read this")
}

func testUpcasters(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	calls := 0
	s := newStore(t, v1Bumper{&calls}, fieldAdder{}, failingUpcaster{})
	require.NoError(t, s.Append(ctx, "a", "T", 0, append(Envelopes(t, "Renamed", 1, 1), Envelopes(t, "Other", 2, 1)...)))
	assert.Zero(t, calls, "upcasters never run on writes")
	for round := 0; round < 2; round++ {
		got, err := s.Load(ctx, "a", 0)
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, "RenamedV2", got[0].EventType, "round %d: stored events stay as written", round)
		assert.Equal(t, 2, got[0].Version)
		assert.Equal(t, "yes", got[0].Metadata["upcast"])
		assert.JSONEq(t, `{"n":1,"text":"xxxxxxxxxxxxxxxx","added":true}`, string(got[0].Payload), "upcasters run in order")
		assert.Positive(t, got[0].GlobalPosition, "upcasting keeps the store's position")
		assert.Equal(t, "Other", got[1].EventType)
		page, err := s.ReadAll(ctx, 0, 10)
		require.NoError(t, err)
		require.Len(t, page, 2)
		assert.Equal(t, "RenamedV2", page[0].EventType)
		assert.Equal(t, got[0].GlobalPosition, page[0].GlobalPosition)
	}
	assert.Equal(t, 4, calls)
	require.NoError(t, s.Append(ctx, "b", "T", 0, Envelopes(t, "Broken", 1, 1)))
	_, err := s.Load(ctx, "b", 0)
	require.ErrorIs(t, err, es.ErrDecode)
	assert.Contains(t, err.Error(), "cannot read this")
}

// testRaceSameExpectedVersion races 16 writers on one aggregate at the same expected version, on a
// new aggregate (expected 0) and on one with an event (expected 1).
func testRaceSameExpectedVersion(t *testing.T, newStore EventStoreFactory, _ Features) {
	for _, existing := range []int{0, 1} {
		t.Run(fmt.Sprintf("expected=%d", existing), func(t *testing.T) {
			raceSameExpectedVersion(t, newStore(t), existing)
		})
	}
}

func raceSameExpectedVersion(t *testing.T, s es.EventStore, existing int) {
	ctx := context.Background()
	if existing > 0 {
		require.NoError(t, s.Append(ctx, "hot", "T", 0, Envelopes(t, "E", 0, existing)))
	}
	const writers = 16
	var (
		start = make(chan struct{})
		wg    sync.WaitGroup
		errs  = make([]error, writers)
	)
	for i := range writers {
		batch := Envelopes(t, "E", i*10, 3)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.Append(ctx, "hot", "T", int64(existing), batch)
		}()
	}
	close(start)
	wg.Wait()
	wins, conflicts := 0, 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		require.ErrorIs(t, err, es.ErrConcurrency)
		var ce *es.ConcurrencyError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "hot", ce.AggregateID)
		assert.Equal(t, int64(existing), ce.Expected)
		conflicts++
	}
	assert.Equal(t, 1, wins, "exactly one writer wins")
	assert.Equal(t, writers-1, conflicts, "every other writer gets ErrConcurrency")
	got, err := s.Load(ctx, "hot", 0)
	require.NoError(t, err)
	require.Len(t, got, existing+3)
	for i, e := range got {
		assert.Equal(t, int64(i+1), e.Sequence, "sequences stay gap-free")
	}
	// The winner's three events are one batch: consecutive payload numbers of one writer.
	var first suiteEvent
	require.NoError(t, json.Unmarshal(got[existing].Payload, &first))
	for i, e := range got[existing:] {
		var p suiteEvent
		require.NoError(t, json.Unmarshal(e.Payload, &p))
		assert.Equal(t, first.N+i, p.N, "a batch is written whole, never interleaved")
	}
}

func testConcurrentAggregates(t *testing.T, newStore EventStoreFactory, f Features) {
	ctx := context.Background()
	s := newStore(t)
	const writers, appends = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*appends)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("agg-%d", w)
			for i := range appends {
				if err := s.Append(ctx, id, "T", int64(i*2), Envelopes(t, "E", i*2, 2)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	all, err := s.ReadAll(ctx, 0, writers*appends*2+10)
	require.NoError(t, err)
	require.Len(t, all, writers*appends*2)
	next := map[string]int64{}
	var last int64
	for _, e := range all {
		require.Greater(t, e.GlobalPosition, last)
		last = e.GlobalPosition
		require.Equal(t, next[e.AggregateID]+1, e.Sequence)
		next[e.AggregateID] = e.Sequence
	}
	if f.DensePositions {
		assert.Equal(t, int64(len(all)), last)
	}
}

// testConcurrentSameEventID: appends to different aggregates that race with one event id store
// it once; the others are refused as bad input (the id is taken), not as a conflict, and write
// nothing, whichever commits first.
func testConcurrentSameEventID(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	const writers, rounds = 8, 10
	for r := range rounds {
		batches := make([][]es.Envelope, writers)
		for w := range batches {
			batches[w] = Envelopes(t, "E", 1, 2)
			if w > 0 {
				batches[w][1].EventID = batches[0][1].EventID
			}
		}
		var wg sync.WaitGroup
		results := make(chan error, writers)
		start := make(chan struct{})
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results <- s.Append(ctx, fmt.Sprintf("dup-%d-%d", r, w), "T", 0, batches[w])
			}()
		}
		close(start)
		wg.Wait()
		close(results)
		stored := 0
		for err := range results {
			if err == nil {
				stored++
				continue
			}
			require.ErrorIs(t, err, es.ErrInvalidArgument, "round %d", r)
			require.NotErrorIs(t, err, es.ErrConcurrency, "round %d", r)
		}
		require.Equal(t, 1, stored, "round %d: one append stores the shared id", r)
	}
	all, err := s.ReadAll(ctx, 0, 10*writers*rounds)
	require.NoError(t, err)
	require.Len(t, all, 2*rounds, "the refused appends wrote nothing")
	seen := map[string]bool{}
	for _, e := range all {
		require.False(t, seen[e.EventID], "event id %s stored twice", e.EventID)
		seen[e.EventID] = true
	}
}

func testTransactions(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	tx := transactorOf(t, s)
	boom := errors.New("boom")
	err := tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Append(ctx, "a", "T", 0, Envelopes(t, "E", 1, 2)); err != nil {
			return err
		}
		if err := s.Append(ctx, "b", "T", 0, Envelopes(t, "E", 1, 1)); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	all, err := s.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, all, "a rolled-back transaction leaves nothing")
	require.NoError(t, tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Append(ctx, "a", "T", 0, Envelopes(t, "E", 1, 2)); err != nil {
			return err
		}
		v, err := s.LatestVersion(ctx, "a")
		if err == nil && v != 2 {
			err = fmt.Errorf("inside the transaction LatestVersion = %d, want 2", v)
		}
		return err
	}))
	v, err := s.LatestVersion(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, int64(2), v)
}

// testUpcastersCannotMoveEvents: an upcaster that changes an event's aggregate id, sequence,
// global position or event id fails the read, on Load as on ReadAll, naming the upcaster. Before
// the rule, a changed position was silently restored on memory and SQLite, a changed sequence
// reordered the aggregate, and a changed event id (consumers de-duplicate on it) passed.
func testUpcastersCannotMoveEvents(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	for _, field := range []string{"aggregate id", "sequence", "global position", "event id"} {
		t.Run(field, func(t *testing.T) {
			s := newStore(t, mover{field})
			require.NoError(t, s.Append(ctx, "a", "T", 0, Envelopes(t, "Moved", 1, 1)))
			_, err := s.Load(ctx, "a", 0)
			require.ErrorIs(t, err, es.ErrDecode, "Load")
			assert.Contains(t, err.Error(), "mover")
			assert.Contains(t, err.Error(), field)
			_, err = s.ReadAll(ctx, 0, 10)
			require.ErrorIs(t, err, es.ErrDecode, "ReadAll")
			assert.Contains(t, err.Error(), field)
		})
	}
}
