package memory

import (
	"context"
	"encoding/json"
	"sync"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// SnapshotStore is an in-memory [es.SnapshotStore]: one snapshot per aggregate, the newest.
type SnapshotStore struct {
	mu    sync.RWMutex
	snaps map[string]es.Snapshot
}

var _ es.SnapshotStore = (*SnapshotStore)(nil)

// NewSnapshotStore returns an empty store.
func NewSnapshotStore() *SnapshotStore {
	return &SnapshotStore{snaps: make(map[string]es.Snapshot)}
}

// Save implements [es.SnapshotStore]: a snapshot with an equal or older sequence is ignored.
func (s *SnapshotStore) Save(ctx context.Context, snap es.Snapshot) error {
	if err := es.ValidateAggregateID(snap.AggregateID); err != nil {
		return err
	}
	if snap.Sequence < 1 {
		return es.InvalidArgument("snapshot sequence: must be 1 or more, got %d", snap.Sequence)
	}
	if !json.Valid(snap.Payload) {
		return es.InvalidArgument("snapshot payload of %q: must be valid JSON", snap.AggregateID)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	snap = snap.Clone()
	snap.CreatedAt = snap.CreatedAt.UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.snaps[snap.AggregateID]; ok && old.Sequence >= snap.Sequence {
		return nil
	}
	s.snaps[snap.AggregateID] = snap
	return nil
}

// Load implements [es.SnapshotStore].
func (s *SnapshotStore) Load(ctx context.Context, aggregateID string) (es.Snapshot, bool, error) {
	if err := es.ValidateAggregateID(aggregateID); err != nil {
		return es.Snapshot{}, false, err
	}
	if err := ctx.Err(); err != nil {
		return es.Snapshot{}, false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	snap, ok := s.snaps[aggregateID]
	if !ok {
		return es.Snapshot{}, false, nil
	}
	return snap.Clone(), true, nil
}

// Delete implements [es.SnapshotStore].
func (s *SnapshotStore) Delete(ctx context.Context, aggregateID string) (bool, error) {
	if err := es.ValidateAggregateID(aggregateID); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.snaps[aggregateID]
	delete(s.snaps, aggregateID)
	return ok, nil
}
