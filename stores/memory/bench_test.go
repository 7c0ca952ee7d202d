package memory_test

import (
	"context"
	"testing"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/stores/memory"
)

// The benchmarks run each workload of benchkit on the store (store) and on the least an
// in-memory store can do with the same guarantees (limit: a map plus a slice under a mutex,
// see limitStore), in one process, in an order that turns from one -count run to the next.

func sides(b *testing.B) benchkit.Sides {
	return benchkit.Sides{Store: "memory", Names: []string{"store", "limit"}, Side: map[string]benchkit.Side{
		"store": newStoreSide(b), "limit": newLimitStore(),
	}}
}

// Fresh implements benchkit.Freshener.
func (s *storeSide) Fresh() benchkit.Side { return newStoreSide(s.b) }

// Fresh implements benchkit.Freshener.
func (s *limitStore) Fresh() benchkit.Side { return newLimitStore() }

// storeSide is ours: the event store, and the repository for loads.
type storeSide struct {
	b      *testing.B
	events *memory.EventStore
	snaps  *memory.SnapshotStore
	repo   *es.Repository[*benchkit.Order]
	snRepo *es.Repository[*benchkit.Order]
}

func newStoreSide(b *testing.B) *storeSide {
	s := &storeSide{b: b, events: memory.NewEventStore(), snaps: memory.NewSnapshotStore()}
	var err error
	if s.repo, err = es.NewRepository(s.events, benchkit.NewOrder, es.WithAggregateType(benchkit.AggregateType)); err != nil {
		b.Fatal(err)
	}
	if s.snRepo, err = es.NewRepository(s.events, benchkit.NewOrder, es.WithAggregateType(benchkit.AggregateType),
		es.WithSnapshots(s.snaps, 1<<30)); err != nil {
		b.Fatal(err)
	}
	return s
}

func (s *storeSide) Append(ctx context.Context, id string, expected int64, events []benchkit.OrderPlaced) error {
	envs, err := benchkit.Envelopes(events)
	if err != nil {
		return err
	}
	return s.events.Append(ctx, id, benchkit.AggregateType, expected, envs)
}

func (s *storeSide) Load(ctx context.Context, id string) (benchkit.State, error) {
	o, err := s.repo.Load(ctx, id)
	if err != nil {
		return benchkit.State{}, err
	}
	return o.State, nil
}

func (s *storeSide) ReadPage(ctx context.Context, after int64, limit int, st *benchkit.State) (int64, int, error) {
	page, err := s.events.ReadAll(ctx, after, limit)
	if err != nil || len(page) == 0 {
		return after, 0, err
	}
	for i := range page {
		if err := st.Fold(page[i].Payload); err != nil {
			return after, 0, err
		}
	}
	return page[len(page)-1].GlobalPosition, len(page), nil
}

func (s *storeSide) SaveSnapshot(ctx context.Context, id string, seq int64, st benchkit.State) error {
	payload, err := jsonMarshal(&benchkit.Order{State: st})
	if err != nil {
		return err
	}
	return s.snaps.Save(ctx, es.Snapshot{AggregateID: id, AggregateType: benchkit.AggregateType, Sequence: seq, Payload: payload})
}

func (s *storeSide) LoadSnapshotted(ctx context.Context, id string) (benchkit.State, error) {
	o, err := s.snRepo.Load(ctx, id)
	if err != nil {
		return benchkit.State{}, err
	}
	return o.State, nil
}

func BenchmarkAppend1(b *testing.B)           { benchkit.Append(b, sides(b), 1) }
func BenchmarkAppend10(b *testing.B)          { benchkit.Append(b, sides(b), 10) }
func BenchmarkAppend100(b *testing.B)         { benchkit.Append(b, sides(b), 100) }
func BenchmarkConcurrentWriters(b *testing.B) { benchkit.ConcurrentWriters(b, sides(b)) }
func BenchmarkLoad1000(b *testing.B)          { benchkit.Load1000(b, sides(b)) }
func BenchmarkCatchUp(b *testing.B)           { benchkit.CatchUp(b, sides(b)) }
func BenchmarkRace16(b *testing.B)            { benchkit.Race16(b, sides(b)) }
func BenchmarkSnapshotLoad(b *testing.B)      { benchkit.SnapshotLoad(b, sides(b)) }
