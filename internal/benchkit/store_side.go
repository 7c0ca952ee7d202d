package benchkit

import (
	"context"
	"encoding/json"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// StoreSide is the "store" variant of every workload: appends go to the event store, loads
// through a repository of [Order], snapshotted loads through one that keeps snapshots in snaps.
type StoreSide struct {
	events es.EventStore
	snaps  es.SnapshotStore
	repo   *es.Repository[*Order]
	snRepo *es.Repository[*Order]
}

// NewStoreSide returns the store variant over events and snaps.
func NewStoreSide(events es.EventStore, snaps es.SnapshotStore) (*StoreSide, error) {
	s := &StoreSide{events: events, snaps: snaps}
	var err error
	if s.repo, err = es.NewRepository(events, NewOrder, es.WithAggregateType(AggregateType)); err != nil {
		return nil, err
	}
	// A snapshot interval no workload reaches: the snapshot workload saves its own.
	s.snRepo, err = es.NewRepository(events, NewOrder, es.WithAggregateType(AggregateType), es.WithSnapshots(snaps, 1<<30))
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Append implements [Side].
func (s *StoreSide) Append(ctx context.Context, id string, expected int64, events []OrderPlaced) error {
	envs, err := Envelopes(events)
	if err != nil {
		return err
	}
	return s.events.Append(ctx, id, AggregateType, expected, envs)
}

// Load implements [Side] through the repository.
func (s *StoreSide) Load(ctx context.Context, id string) (State, error) {
	o, err := s.repo.Load(ctx, id)
	if err != nil {
		return State{}, err
	}
	return o.State, nil
}

// ReadPage implements [Side].
func (s *StoreSide) ReadPage(ctx context.Context, after int64, limit int, st *State) (int64, int, error) {
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

// SaveSnapshot implements [Side] with the snapshot store.
func (s *StoreSide) SaveSnapshot(ctx context.Context, id string, seq int64, st State) error {
	payload, err := json.Marshal(&Order{State: st})
	if err != nil {
		return err
	}
	return s.snaps.Save(ctx, es.Snapshot{AggregateID: id, AggregateType: AggregateType, Sequence: seq, Payload: payload})
}

// LoadSnapshotted implements [Side] through the snapshotting repository.
func (s *StoreSide) LoadSnapshotted(ctx context.Context, id string) (State, error) {
	o, err := s.snRepo.Load(ctx, id)
	if err != nil {
		return State{}, err
	}
	return o.State, nil
}
