package benchkit

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
)

// Side is one variant of a workload on one store: ours, or a baseline. Every side does the same
// work: JSON encoding of the events on writes, decoding and folding on reads.
type Side interface {
	// Append encodes events and appends them to aggregate id, refused as a conflict
	// ([IsConflict]) when the aggregate's version is not expected.
	Append(ctx context.Context, id string, expected int64, events []OrderPlaced) error
	// Load reads the aggregate's events and folds them.
	Load(ctx context.Context, id string) (State, error)
	// ReadPage reads up to limit events of the global stream after the cursor and folds them
	// into st; it returns the cursor after them and how many it read.
	ReadPage(ctx context.Context, after int64, limit int, st *State) (int64, int, error)
	// SaveSnapshot stores st as the aggregate's state at sequence seq.
	SaveSnapshot(ctx context.Context, id string, seq int64, st State) error
	// LoadSnapshotted reads the aggregate's snapshot and the events after it, and folds them.
	LoadSnapshotted(ctx context.Context, id string) (State, error)
}

// Freshener is a Side that can start over empty: the write workloads then measure each run on
// a fresh store, so an in-memory store's size (and the garbage collector's work on it) does not
// depend on how long the runs before it went.
type Freshener interface {
	Fresh() Side
}

// fresh returns side started over when it can, else side.
func fresh(side Side) Side {
	if f, ok := side.(Freshener); ok {
		return f.Fresh()
	}
	return side
}

// Sides are the variants of one store, by name ("store", "limit", "minimal"), measured in the
// order of names. Side may also hold [Bare], which only the Hook* workloads measure.
type Sides struct {
	Store string // the <store> part of the benchmark names: "postgres", "sqlite", "memory"
	Names []string
	Side  map[string]Side
}

// Bare names the "store" side's code reached past its observer checks: the store as it would be
// without the hooks (see [HookAppend1], [HookLoad1000]).
const Bare = "bare"

// run measures f on each side, in turn, as sub-benchmarks prefix/<name>.
func (s Sides) run(b *testing.B, prefix string, names []string, f func(b *testing.B, side Side)) {
	vs := make([]Variant, len(names))
	for i, name := range names {
		side := s.Side[name]
		vs[i] = Variant{Name: name, Run: func(b *testing.B) { f(b, side) }}
	}
	InTurn(b, prefix, vs...)
}

var aggregates atomic.Int64

// NextAggregate returns a new aggregate id.
func NextAggregate() string { return fmt.Sprintf("bench-%d", aggregates.Add(1)) }

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

func wantCount(b *testing.B, want int, st State) {
	b.Helper()
	if st.Count != want {
		b.Fatalf("folded %d events, want %d", st.Count, want)
	}
}

// Append (Append1, Append10, Append100) appends batches of n events to new aggregates.
func Append(b *testing.B, s Sides, n int) {
	ctx := context.Background()
	events := Events(0, n)
	s.run(b, s.Store, s.Names, func(b *testing.B, side Side) {
		side = fresh(side)
		for b.Loop() {
			must(b, side.Append(ctx, NextAggregate(), 0, events))
		}
		Report(b, n)
	})
}

// ConcurrentWriters: 4 writers, each appending one event at a time to an aggregate of its own.
func ConcurrentWriters(b *testing.B, s Sides) {
	const writers = 4
	ctx := context.Background()
	events := Events(0, 1)
	s.run(b, s.Store, s.Names, func(b *testing.B, side Side) {
		side = fresh(side)
		var ids [writers]string
		for i := range ids {
			ids[i] = NextAggregate()
		}
		b.ResetTimer()
		Concurrent(b, writers, func(w, i int) error { return side.Append(ctx, ids[w], int64(i), events) })
		Report(b, 1)
	})
}

// Fill appends total events to aggregate id in batches of up to 1,000 and returns their fold.
func Fill(b *testing.B, side Side, id string, total int) State {
	var st State
	for from := 0; from < total; from += 1000 {
		events := Events(from, min(1000, total-from))
		must(b, side.Append(context.Background(), id, int64(from), events))
		for _, e := range events {
			st.Add(e)
		}
	}
	return st
}

// Load1000: a repository load of a 1,000-event aggregate: read, decode, fold.
func Load1000(b *testing.B, s Sides) {
	ctx := context.Background()
	for _, name := range s.Names {
		Fill(b, s.Side[name], "load-1000", 1000)
	}
	s.run(b, s.Store, s.Names, func(b *testing.B, side Side) {
		for b.Loop() {
			st, err := side.Load(ctx, "load-1000")
			must(b, err)
			wantCount(b, 1000, st)
		}
		Report(b, 1000)
	})
}

// CatchUp reads a 100,000-event global stream from the start in pages of 500, decoding and
// folding every event.
func CatchUp(b *testing.B, s Sides) {
	const total, page = 100_000, 500
	ctx := context.Background()
	for _, name := range s.Names {
		for range total / 1000 {
			Fill(b, s.Side[name], NextAggregate(), 1000)
		}
	}
	s.run(b, s.Store, s.Names, func(b *testing.B, side Side) {
		for b.Loop() {
			var st State
			var cursor int64
			for {
				next, n, err := side.ReadPage(ctx, cursor, page, &st)
				must(b, err)
				if n == 0 {
					break
				}
				cursor = next
			}
			wantCount(b, total, st)
		}
		Report(b, total)
	})
}

// Race16: 16 writers append one event each to one aggregate at the same expected version; one
// wins, 15 are refused. One round per operation; events/s counts the stored event.
func Race16(b *testing.B, s Sides) {
	ctx := context.Background()
	events := Events(0, 1)
	s.run(b, s.Store, s.Names, func(b *testing.B, side Side) {
		side = fresh(side)
		id := NextAggregate()
		round := int64(0)
		for b.Loop() {
			must(b, Race(16, func(int) error { return side.Append(ctx, id, round, events) }))
			round++
		}
		Report(b, 1)
	})
}

// SnapshotLoad: a repository load from a snapshot 50 events before the end, of a
// 100,000-event aggregate and of a 100-event one (rows <store>/100000 and <store>/100): the long
// stream must cost no more than the short one. Minimal tables have no snapshots.
func SnapshotLoad(b *testing.B, s Sides) {
	const tail = 50
	ctx := context.Background()
	var names []string
	for _, n := range s.Names {
		if n != "minimal" {
			names = append(names, n)
		}
	}
	for _, size := range []int{100_000, 100} {
		id := fmt.Sprintf("snapshot-%d", size)
		for _, name := range names {
			side := s.Side[name]
			st := Fill(b, side, id, size-tail)
			must(b, side.SaveSnapshot(ctx, id, int64(size-tail), st))
			must(b, side.Append(ctx, id, int64(size-tail), Events(size-tail, tail)))
		}
		s.run(b, fmt.Sprintf("%s/%d", s.Store, size), names, func(b *testing.B, side Side) {
			for b.Loop() {
				st, err := side.LoadSnapshotted(ctx, id)
				must(b, err)
				wantCount(b, size, st)
			}
			Report(b, tail)
		})
	}
}
