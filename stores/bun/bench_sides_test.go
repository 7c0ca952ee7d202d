package bunstore_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/benchkit"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// storeSide is ours: the event store, and the repository for loads.
type storeSide struct {
	events *bunstore.EventStore
	snaps  *bunstore.SnapshotStore
	repo   *es.Repository[*benchkit.Order]
	snRepo *es.Repository[*benchkit.Order]
}

func newStoreSide(b testing.TB, db *bun.DB) *storeSide {
	s := &storeSide{events: newEventStore(b, db)}
	var err error
	s.snaps, err = bunstore.NewSnapshotStore(db)
	require.NoError(b, err)
	s.repo, err = es.NewRepository(s.events, benchkit.NewOrder, es.WithAggregateType(benchkit.AggregateType))
	require.NoError(b, err)
	s.snRepo, err = es.NewRepository(s.events, benchkit.NewOrder, es.WithAggregateType(benchkit.AggregateType),
		es.WithSnapshots(s.snaps, 1<<30))
	require.NoError(b, err)
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
	payload, err := json.Marshal(&benchkit.Order{State: st})
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

// encodeBenchMetadata is the JSON of benchkit.Metadata, as a raw baseline writes it.
func encodeBenchMetadata() (string, error) {
	md, err := json.Marshal(benchkit.Metadata())
	return string(md), err
}

// decodeBenchMetadata decodes stored metadata as a raw baseline reads it.
func decodeBenchMetadata(raw []byte) (map[string]any, error) {
	m := map[string]any{}
	if len(raw) == 0 || string(raw) == "{}" {
		return m, nil
	}
	return m, json.Unmarshal(raw, &m)
}
