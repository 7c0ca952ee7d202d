package memory

import (
	"context"
	"slices"
	"strings"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

var _ projection.CheckpointCatalog = (*CheckpointStore)(nil)

// CheckpointNames implements [projection.CheckpointCatalog]: the committed checkpoints whose
// names start with prefix, sorted.
func (s *CheckpointStore) CheckpointNames(ctx context.Context, prefix string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for name := range s.points {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// DeleteCheckpoint implements [projection.CheckpointCatalog]. Unlike the store's other writes it
// does not wait for a unit of work in ctx to commit: the checkpoint is gone at once.
func (s *CheckpointStore) DeleteCheckpoint(ctx context.Context, name string) error {
	if err := storekit.ValidateCheckpointName(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.points, name)
	return nil
}
