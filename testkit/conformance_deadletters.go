package testkit

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// DeadLetterStoreFactory returns a new, empty dead-letter store for one test.
type DeadLetterStoreFactory func(t *testing.T) projection.DeadLetterStore

// DeadLetterStoreTest is one named case of the dead-letter store suite.
type DeadLetterStoreTest = Case[DeadLetterStoreFactory]

// DeadLetterStoreTests returns the cases of the dead-letter store suite, in the order
// [RunDeadLetterStoreSuite] runs them.
func DeadLetterStoreTests() []DeadLetterStoreTest {
	return []DeadLetterStoreTest{
		{"ParkListCountDelete", testDeadLetterBasics},
		{"ParkReplaces", testDeadLetterReplaces},
		{"RoundTrip", testDeadLetterRoundTrip},
		{"BadInput", testDeadLetterBadInput},
		{"Transactions", testDeadLetterTransactions},
		{"ConcurrentDelete", testDeadLetterConcurrentDelete},
		{"RetryRequests", testDeadLetterRetryRequests},
	}
}

// RunDeadLetterStoreSuite runs every case of [DeadLetterStoreTests] as a subtest named after it:
// the conformance suite every [projection.DeadLetterStore] must pass.
func RunDeadLetterStoreSuite(t *testing.T, newStore DeadLetterStoreFactory) {
	t.Helper()
	runCases(t, DeadLetterStoreTests(), newStore)
}

// deadLetter returns a dead letter of projection p for an event at position pos.
func deadLetter(t *testing.T, p string, pos int64, errText string) projection.DeadLetter {
	t.Helper()
	e := Envelopes(t, "OrderPlaced", int(pos), 1)[0]
	e.AggregateID, e.AggregateType, e.Sequence, e.GlobalPosition = "order-1", "Order", pos, pos
	e.OccurredAt = time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	return projection.DeadLetter{
		Projection: p, Event: e, Attempts: 3, Error: errText,
		FailedAt: time.Date(2025, 1, 2, 3, 4, 5, 678901000, time.UTC),
	}
}

func requireLetters(t *testing.T, s projection.DeadLetterStore, p string, after int64, limit int, want ...int64) []projection.DeadLetter {
	t.Helper()
	got, err := s.List(context.Background(), p, after, limit)
	require.NoError(t, err)
	positions := make([]int64, len(got))
	for i, d := range got {
		positions[i] = d.Event.GlobalPosition
		assert.Equal(t, p, d.Projection)
	}
	if want == nil {
		want = []int64{}
	}
	require.Equal(t, want, positions, "dead letters of %q after %d, limit %d", p, after, limit)
	return got
}

func testDeadLetterBasics(t *testing.T, newStore DeadLetterStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	requireLetters(t, s, "orders_view", 0, 10)
	n, err := s.Count(ctx, "orders_view")
	require.NoError(t, err)
	assert.Zero(t, n)
	for _, pos := range []int64{30, 10, 20} {
		require.NoError(t, s.Park(ctx, deadLetter(t, "orders_view", pos, "boom")))
	}
	require.NoError(t, s.Park(ctx, deadLetter(t, "other_view", 15, "bang")))
	requireLetters(t, s, "orders_view", 0, 10, 10, 20, 30)
	requireLetters(t, s, "orders_view", 10, 1, 20)
	requireLetters(t, s, "orders_view", 30, 10)
	requireLetters(t, s, "other_view", 0, 10, 15)
	n, err = s.Count(ctx, "orders_view")
	require.NoError(t, err)
	assert.Equal(t, int64(3), n)
	letters := requireLetters(t, s, "orders_view", 0, 10, 10, 20, 30)
	deleted, err := s.Delete(ctx, "orders_view", letters[1].Event.EventID)
	require.NoError(t, err)
	assert.True(t, deleted)
	deleted, err = s.Delete(ctx, "orders_view", letters[1].Event.EventID)
	require.NoError(t, err)
	assert.False(t, deleted, "already deleted")
	deleted, err = s.Delete(ctx, "other_view", letters[0].Event.EventID)
	require.NoError(t, err)
	assert.False(t, deleted, "dead letters are per projection")
	requireLetters(t, s, "orders_view", 0, 10, 10, 30)
	requireLetters(t, s, "other_view", 0, 10, 15)
}

func testDeadLetterReplaces(t *testing.T, newStore DeadLetterStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	d := deadLetter(t, "p", 7, "first")
	require.NoError(t, s.Park(ctx, d))
	d.Attempts, d.Error = 9, "second"
	require.NoError(t, s.Park(ctx, d))
	got := requireLetters(t, s, "p", 0, 10, 7)
	assert.Equal(t, 9, got[0].Attempts)
	assert.Equal(t, "second", got[0].Error)
	n, err := s.Count(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
}

func testDeadLetterRoundTrip(t *testing.T, newStore DeadLetterStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	d := deadLetter(t, `x'; DROP TABLE pyfly_projection_dead_letters; --`, 1<<62, "ünïcødé error 🚀 'quoted' \"double\"\nline two")
	d.Event.TenantID = "tenant-ü"
	d.Event.Metadata = map[string]any{"correlation_id": "c-1", "n": json.Number("9007199254740993"), "nested": map[string]any{"a": []any{true, nil}}}
	d.Event.Payload = json.RawMessage(`{"text":"名前","n":1e3}`)
	d.Event.Version = 2
	require.NoError(t, s.Park(ctx, d))
	d.Event.Payload[2] = 'X' // the store keeps its own copy
	got := requireLetters(t, s, d.Projection, 0, 10, 1<<62)[0]
	d.Event.Payload[2] = 't'
	assert.True(t, d.Event.Equal(got.Event), "event round trip:\n got %+v\nwant %+v", got.Event, d.Event)
	assert.Equal(t, d.Event.GlobalPosition, got.Event.GlobalPosition)
	assert.Equal(t, d.Attempts, got.Attempts)
	assert.Equal(t, d.Error, got.Error)
	assert.True(t, d.FailedAt.Equal(got.FailedAt), "FailedAt %v, want %v", got.FailedAt, d.FailedAt)
	assert.Equal(t, "UTC", got.FailedAt.Location().String())
	got.Event.Payload[2] = 'Y'
	again := requireLetters(t, s, d.Projection, 0, 10, 1<<62)[0]
	assert.True(t, d.Event.Equal(again.Event), "a caller cannot change what the store holds")
	long := deadLetter(t, "p", 1, strings.Repeat("é", storekit.MaxDeadLetterErrorBytes/2))
	require.NoError(t, s.Park(ctx, long))
	assert.Equal(t, long.Error, requireLetters(t, s, "p", 0, 1, 1)[0].Error, "the longest error text")
}

func testDeadLetterBadInput(t *testing.T, newStore DeadLetterStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	mutate := map[string]func(d *projection.DeadLetter){
		"empty projection":    func(d *projection.DeadLetter) { d.Projection = "" },
		"long projection":     func(d *projection.DeadLetter) { d.Projection = strings.Repeat("p", projection.MaxNameBytes+1) },
		"NUL in projection":   func(d *projection.DeadLetter) { d.Projection = "a\x00" },
		"empty event id":      func(d *projection.DeadLetter) { d.Event.EventID = "" },
		"event id too long":   func(d *projection.DeadLetter) { d.Event.EventID = strings.Repeat("i", es.MaxIDBytes+1) },
		"empty event type":    func(d *projection.DeadLetter) { d.Event.EventType = "" },
		"payload not JSON":    func(d *projection.DeadLetter) { d.Event.Payload = json.RawMessage("{nope") },
		"payload NUL":         func(d *projection.DeadLetter) { d.Event.Payload = json.RawMessage(`{"a":"\u0000"}`) },
		"position 0":          func(d *projection.DeadLetter) { d.Event.GlobalPosition = 0 },
		"negative position":   func(d *projection.DeadLetter) { d.Event.GlobalPosition = -5 },
		"attempts -1":         func(d *projection.DeadLetter) { d.Attempts = -1 },
		"attempts > MaxInt32": func(d *projection.DeadLetter) { d.Attempts = math.MaxInt32 + 1 },
		"error with NUL":      func(d *projection.DeadLetter) { d.Error = "bad\x00" },
		"error bad UTF-8":     func(d *projection.DeadLetter) { d.Error = "bad\xff" },
		"error too long":      func(d *projection.DeadLetter) { d.Error = strings.Repeat("e", storekit.MaxDeadLetterErrorBytes+1) },
		"failed in year 0":    func(d *projection.DeadLetter) { d.FailedAt = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC) },
		"failed in year 1e4":  func(d *projection.DeadLetter) { d.FailedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"occurred in year 0":  func(d *projection.DeadLetter) { d.Event.OccurredAt = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC) },
		"metadata not JSON":   func(d *projection.DeadLetter) { d.Event.Metadata = map[string]any{"f": func() {}} },
		"aggregate id empty":  func(d *projection.DeadLetter) { d.Event.AggregateID = "" },
		"tenant id too long":  func(d *projection.DeadLetter) { d.Event.TenantID = strings.Repeat("t", es.MaxIDBytes+1) },
		"schema version < 0":  func(d *projection.DeadLetter) { d.Event.Version = -1 },
		"event type bad UTF8": func(d *projection.DeadLetter) { d.Event.EventType = "\xff" },
	}
	for what, f := range mutate {
		d := deadLetter(t, "p", 1, "boom")
		f(&d)
		assert.ErrorIs(t, s.Park(ctx, d), es.ErrInvalidArgument, what)
	}
	requireLetters(t, s, "p", 0, 10)
	_, err := s.List(ctx, "p", -1, 10)
	assert.ErrorIs(t, err, es.ErrInvalidArgument, "after < 0")
	_, err = s.List(ctx, "p", 0, 0)
	assert.ErrorIs(t, err, es.ErrInvalidArgument, "limit 0")
	_, err = s.List(ctx, "", 0, 10)
	assert.ErrorIs(t, err, es.ErrInvalidArgument, "empty projection")
	_, err = s.Count(ctx, "a\xff")
	assert.ErrorIs(t, err, es.ErrInvalidArgument)
	_, err = s.Delete(ctx, "p", "")
	assert.ErrorIs(t, err, es.ErrInvalidArgument, "empty event id")
	_, err = s.Delete(ctx, "p", strings.Repeat("i", es.MaxIDBytes+1))
	assert.ErrorIs(t, err, es.ErrInvalidArgument, "event id too long")
	got, err := s.List(ctx, "p", 0, 1<<62)
	require.NoError(t, err, "a huge limit")
	assert.Empty(t, got)
}

func testDeadLetterTransactions(t *testing.T, newStore DeadLetterStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	tx := transactorOf(t, s)
	boom := errors.New("boom")
	err := tx.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, s.Park(ctx, deadLetter(t, "p", 1, "x")))
		requireLettersCtx(ctx, t, s, "p", 1)
		return boom
	})
	require.ErrorIs(t, err, boom)
	requireLetters(t, s, "p", 0, 10)
	require.NoError(t, tx.InTx(ctx, func(ctx context.Context) error {
		return s.Park(ctx, deadLetter(t, "p", 2, "y"))
	}))
	requireLetters(t, s, "p", 0, 10, 2)
}

// testDeadLetterConcurrentDelete races deletes of one letter: exactly one of them deleted it.
// Before the fix the memory store decided "had it" and deleted under two separate locks, and two
// deletes could both report true.
func testDeadLetterConcurrentDelete(t *testing.T, newStore DeadLetterStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	const rounds, deleters, others = 20, 8, 300
	for i := range others { // other letters of the projection, which a store may read while deleting
		require.NoError(t, s.Park(ctx, deadLetter(t, "p", int64(1000+i), "other")))
	}
	for round := range rounds {
		d := deadLetter(t, "p", int64(round+1), "boom")
		require.NoError(t, s.Park(ctx, d))
		var (
			wg      sync.WaitGroup
			deleted atomic.Int32
		)
		errs := make([]error, deleters)
		start := make(chan struct{})
		for i := range deleters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ok, err := s.Delete(ctx, "p", d.Event.EventID)
				if ok {
					deleted.Add(1)
				}
				errs[i] = err
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		require.Equal(t, int32(1), deleted.Load(), "round %d: deletes that reported the letter deleted", round)
	}
	n, err := s.Count(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, int64(others), n, "only the raced letters are gone")
}

func requireLettersCtx(ctx context.Context, t *testing.T, s projection.DeadLetterStore, p string, want ...int64) {
	t.Helper()
	got, err := s.List(ctx, p, 0, 100)
	require.NoError(t, err)
	positions := make([]int64, len(got))
	for i, d := range got {
		positions[i] = d.Event.GlobalPosition
	}
	require.Equal(t, want, positions)
	n, err := s.Count(ctx, p)
	require.NoError(t, err)
	require.Equal(t, int64(len(want)), n)
}
