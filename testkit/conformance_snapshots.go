package testkit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// SnapshotStoreFactory returns a new, empty snapshot store for one test.
type SnapshotStoreFactory func(t *testing.T) es.SnapshotStore

// SnapshotStoreTest is one named case of the snapshot store suite.
type SnapshotStoreTest = Case[SnapshotStoreFactory]

// SnapshotStoreTests returns the cases of the snapshot store suite, in the order
// [RunSnapshotStoreSuite] runs them.
func SnapshotStoreTests() []SnapshotStoreTest {
	return []SnapshotStoreTest{
		{"SaveLoadDelete", testSnapshotSaveLoadDelete},
		{"NewerWins", testSnapshotNewerWins},
		{"Copies", testSnapshotCopies},
		{"BadInput", testSnapshotBadInput},
		{"ConcurrentSaves", testSnapshotConcurrentSaves},
		{"CreatedAtZeroIsNow", testSnapshotCreatedAtZero},
		{"HostileRoundTrip", testSnapshotHostileRoundTrip},
		{"NestingLimit", testSnapshotNestingLimit},
	}
}

// RunSnapshotStoreSuite runs every case of [SnapshotStoreTests] as a subtest named after it: the
// conformance suite every [es.SnapshotStore] must pass.
func RunSnapshotStoreSuite(t *testing.T, newStore SnapshotStoreFactory) {
	t.Helper()
	runCases(t, SnapshotStoreTests(), newStore)
}

// snapCreatedAt is the CreatedAt of the suite's snapshots: fixed, so a snapshot built again
// compares equal to the one saved.
var snapCreatedAt = time.Date(2025, 3, 4, 5, 6, 7, 123456000, time.UTC)

func snap(id string, seq int64, state string) es.Snapshot {
	return es.Snapshot{
		AggregateID:   id,
		AggregateType: "Order",
		Sequence:      seq,
		Payload:       json.RawMessage(fmt.Sprintf(`{"state":%q,"seq":%d}`, state, seq)),
		CreatedAt:     snapCreatedAt,
	}
}

func requireSnapshot(t *testing.T, s es.SnapshotStore, want es.Snapshot) {
	t.Helper()
	got, ok, err := s.Load(context.Background(), want.AggregateID)
	require.NoError(t, err)
	require.True(t, ok, "snapshot of %q", want.AggregateID)
	assert.Equal(t, want.AggregateID, got.AggregateID)
	assert.Equal(t, want.AggregateType, got.AggregateType)
	assert.Equal(t, want.Sequence, got.Sequence)
	assert.JSONEq(t, string(want.Payload), string(got.Payload))
	assert.False(t, got.CreatedAt.IsZero())
	assert.Equal(t, time.UTC, got.CreatedAt.Location(), "CreatedAt of %q is in UTC", want.AggregateID)
	if want.CreatedAt.IsZero() { // the store took the time of the save
		assert.WithinDuration(t, time.Now(), got.CreatedAt, time.Minute, "a zero CreatedAt of %q becomes now", want.AggregateID)
		return
	}
	wantAt := storekit.StoredTime(want.CreatedAt)
	assert.True(t, wantAt.Equal(got.CreatedAt), "CreatedAt of %q: got %v, want %v", want.AggregateID, got.CreatedAt, wantAt)
}

func testSnapshotSaveLoadDelete(t *testing.T, newStore SnapshotStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	_, ok, err := s.Load(ctx, "o-1")
	require.NoError(t, err)
	assert.False(t, ok, "no snapshot yet")
	want := snap("o-1", 100, "a")
	require.NoError(t, s.Save(ctx, want))
	requireSnapshot(t, s, want)
	_, ok, err = s.Load(ctx, "O-1")
	require.NoError(t, err)
	assert.False(t, ok, "ids compare exactly")
	hostile := snap(`x'; DELETE FROM pyfly_snapshots; --`, 1, "h")
	require.NoError(t, s.Save(ctx, hostile))
	requireSnapshot(t, s, hostile)
	requireSnapshot(t, s, want)
	deleted, err := s.Delete(ctx, "o-1")
	require.NoError(t, err)
	assert.True(t, deleted)
	deleted, err = s.Delete(ctx, "o-1")
	require.NoError(t, err)
	assert.False(t, deleted, "nothing left to delete")
	_, ok, err = s.Load(ctx, "o-1")
	require.NoError(t, err)
	assert.False(t, ok)
}

func testSnapshotNewerWins(t *testing.T, newStore SnapshotStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	require.NoError(t, s.Save(ctx, snap("a", 10, "ten")))
	require.NoError(t, s.Save(ctx, snap("a", 5, "older")))
	requireSnapshot(t, s, snap("a", 10, "ten"))
	require.NoError(t, s.Save(ctx, snap("a", 10, "equal")))
	requireSnapshot(t, s, snap("a", 10, "ten"))
	require.NoError(t, s.Save(ctx, snap("a", 11, "newer")))
	requireSnapshot(t, s, snap("a", 11, "newer"))
}

func testSnapshotCopies(t *testing.T, newStore SnapshotStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	in := snap("a", 1, "v")
	require.NoError(t, s.Save(ctx, in))
	in.Payload[2] = 'X'
	got, _, err := s.Load(ctx, "a")
	require.NoError(t, err)
	got.Payload[2] = 'Y'
	requireSnapshot(t, s, snap("a", 1, "v"))
}

func testSnapshotBadInput(t *testing.T, newStore SnapshotStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	for name, sn := range map[string]es.Snapshot{
		"empty id":         snap("", 1, "x"),
		"id over 64 bytes": snap(strings.Repeat("a", 65), 1, "x"),
		"sequence 0":       snap("a", 0, "x"),
		"payload not JSON": {AggregateID: "a", AggregateType: "T", Sequence: 1, Payload: json.RawMessage("{nope")},
		// A null state restored into an aggregate leaves it empty at version N: before this rule
		// Load returned version N with empty state, skipping events 1..N.
		"payload null":        {AggregateID: "a", AggregateType: "T", Sequence: 1, Payload: json.RawMessage("null")},
		"payload array":       {AggregateID: "a", AggregateType: "T", Sequence: 1, Payload: json.RawMessage("[1]")},
		"payload empty":       {AggregateID: "a", AggregateType: "T", Sequence: 1},
		"payload NUL":         {AggregateID: "a", AggregateType: "T", Sequence: 1, Payload: json.RawMessage(`{"s":"\u0000"}`)},
		"payload bad UTF-8":   {AggregateID: "a", AggregateType: "T", Sequence: 1, Payload: json.RawMessage("{\"s\":\"\xff\"}")},
		"type not UTF-8":      {AggregateID: "a", AggregateType: "\xff", Sequence: 1, Payload: json.RawMessage("{}")},
		"created in year 0":   {AggregateID: "a", AggregateType: "T", Sequence: 1, Payload: json.RawMessage("{}"), CreatedAt: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		"created in year 1e4": {AggregateID: "a", AggregateType: "T", Sequence: 1, Payload: json.RawMessage("{}"), CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		err := s.Save(ctx, sn)
		assert.ErrorIs(t, err, es.ErrInvalidArgument, name)
	}
	_, ok, err := s.Load(ctx, "a")
	require.NoError(t, err)
	assert.False(t, ok, "bad input writes nothing")
	_, _, err = s.Load(ctx, "")
	assert.ErrorIs(t, err, es.ErrInvalidArgument)
	_, err = s.Delete(ctx, strings.Repeat("a", 65))
	assert.ErrorIs(t, err, es.ErrInvalidArgument)
}

func testSnapshotConcurrentSaves(t *testing.T, newStore SnapshotStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	const writers = 16
	var wg sync.WaitGroup
	errs := make([]error, writers)
	start := make(chan struct{})
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.Save(ctx, snap("hot", int64(i+1), fmt.Sprint(i+1)))
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	requireSnapshot(t, s, snap("hot", writers, fmt.Sprint(writers)))
}

// testSnapshotCreatedAtZero: a snapshot saved without CreatedAt reads back with the time of the
// save, on every store (the memory store kept year 1 while the SQL stores took now).
func testSnapshotCreatedAtZero(t *testing.T, newStore SnapshotStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	sn := snap("a", 1, "v")
	sn.CreatedAt = time.Time{}
	before := time.Now().Add(-time.Second)
	require.NoError(t, s.Save(ctx, sn))
	after := time.Now().Add(time.Second)
	requireSnapshot(t, s, sn)
	got, _, err := s.Load(ctx, "a")
	require.NoError(t, err)
	assert.True(t, !got.CreatedAt.Before(before) && !got.CreatedAt.After(after),
		"CreatedAt %v is between %v and %v", got.CreatedAt, before, after)
	assert.Equal(t, got.CreatedAt, got.CreatedAt.Truncate(time.Microsecond), "kept to the microsecond")
}

// testSnapshotHostileRoundTrip saves snapshots with payloads and times a store could mangle
// (escapes that look like NUL, characters outside the BMP, a large payload, the first and last
// years, a zone west of UTC with nanoseconds) and reads each back equal.
func testSnapshotHostileRoundTrip(t *testing.T, newStore SnapshotStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	west := time.FixedZone("UTC-09:30", -(9*3600 + 30*60))
	big := `{"big":"` + strings.Repeat("é🚀x", 1<<20/7) + `","n":1}`
	cases := []es.Snapshot{
		{AggregateID: "escaped-nul", Payload: json.RawMessage(`{"s":"\\u0000","t":"a\\\\u0000b","k\\u0000":1}`)},
		{AggregateID: "escapes", Payload: json.RawMessage(`{"q":"\"quoted\"","ctl":"\u0001\u001f\t\n","ls":"\u2028\u2029","sur":"\ud83d\ude80"}`)},
		{AggregateID: "wide-名前-🚀", AggregateType: "Ordre-ü", Payload: json.RawMessage(`{"名前":"値","emoji":"🚀🧪","rtl":"שלום","comb":"e\u0301"}`)},
		{AggregateID: "large", Payload: json.RawMessage(big)},
		{AggregateID: "year-1", CreatedAt: time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC)},
		{AggregateID: "year-1-later", CreatedAt: time.Date(1, 2, 3, 4, 5, 6, 789999999, time.UTC)},
		{AggregateID: "year-9999", CreatedAt: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		{AggregateID: "west-nanos", CreatedAt: time.Date(2024, 2, 29, 23, 30, 0, 123456789, west)},
		{AggregateID: "east-nanos", CreatedAt: time.Date(2024, 3, 1, 0, 15, 0, 987654321, time.FixedZone("UTC+14", 14*3600))},
		{AggregateID: strings.Repeat("界", es.MaxIDBytes/3), Payload: json.RawMessage(`{}`)},
	}
	for i := range cases {
		c := &cases[i]
		if c.AggregateType == "" {
			c.AggregateType = "Order"
		}
		if c.Payload == nil {
			c.Payload = json.RawMessage(`{"at":"` + c.AggregateID + `"}`)
		}
		if c.CreatedAt.IsZero() {
			c.CreatedAt = snapCreatedAt
		}
		c.Sequence = int64(i + 1)
		require.NoError(t, s.Save(ctx, *c), c.AggregateID)
	}
	for _, c := range cases {
		requireSnapshot(t, s, c)
	}
	got, _, err := s.Load(ctx, "large")
	require.NoError(t, err)
	assert.Greater(t, len(got.Payload), 1<<20, "the large payload is whole")
	got, _, err = s.Load(ctx, "west-nanos")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2024, 3, 1, 9, 0, 0, 123456000, time.UTC), got.CreatedAt, "west of UTC, to the microsecond")
}

// testSnapshotNestingLimit: a state nested as deep as storekit.MaxJSONDepth allows is saved and
// loaded back whole; one level more is refused with es.ErrInvalidArgument and leaves the stored
// snapshot as it was.
func testSnapshotNestingLimit(t *testing.T, newStore SnapshotStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	nested := func(levels int) json.RawMessage {
		return json.RawMessage(strings.Repeat(`{"a":[`, levels/2) + strings.Repeat(`{"b":`, levels%2) + "1" +
			strings.Repeat("}", levels%2) + strings.Repeat("]}", levels/2))
	}
	atLimit := es.Snapshot{AggregateID: "deep", AggregateType: "Order", Sequence: 1, Payload: nested(storekit.MaxJSONDepth), CreatedAt: snapCreatedAt}
	require.NoError(t, s.Save(ctx, atLimit))
	requireSnapshot(t, s, atLimit)
	past := atLimit
	past.Sequence, past.Payload = 2, nested(storekit.MaxJSONDepth+1)
	err := s.Save(ctx, past)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "deeper than")
	requireSnapshot(t, s, atLimit)
}
