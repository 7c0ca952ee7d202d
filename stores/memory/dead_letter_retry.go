package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
)

var _ projection.RetryStore = (*DeadLetterStore)(nil)

// RequestRetry implements [projection.RetryStore]. It applies at once, also under a unit of
// work; a park or a delete of the letter, when applied, ends the request.
func (s *DeadLetterStore) RequestRetry(ctx context.Context, name, eventID string) error {
	if err := storekit.ValidateDeadLetterDelete(name, eventID); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.letters[name][eventID]; !ok {
		return fmt.Errorf("%w: %q of projection %q", projection.ErrNoDeadLetter, check.Clip(eventID, 80), check.Clip(name, 300))
	}
	if s.requested == nil {
		s.requested = map[string]map[string]bool{}
	}
	if s.requested[name] == nil {
		s.requested[name] = map[string]bool{}
	}
	s.requested[name][eventID] = true
	return nil
}

// RetryRequests implements [projection.RetryStore]: the committed letters asked for again.
func (s *DeadLetterStore) RetryRequests(ctx context.Context, name string, limit int) ([]projection.DeadLetter, error) {
	if err := storekit.ValidateDeadLetterList(name, 0, limit); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var out []projection.DeadLetter
	for id := range s.requested[name] {
		if d, ok := s.letters[name][id]; ok {
			out = append(out, d)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b projection.DeadLetter) int {
		return cmp.Or(cmp.Compare(a.Event.GlobalPosition, b.Event.GlobalPosition), cmp.Compare(a.Event.EventID, b.Event.EventID))
	})
	out = out[:min(len(out), limit)]
	for i := range out {
		out[i].Event = out[i].Event.Clone()
	}
	return out, nil
}

// forgetRequest ends a request; it runs under s.mu (written).
func (s *DeadLetterStore) forgetRequest(name, eventID string) {
	if r := s.requested[name]; r != nil {
		delete(r, eventID)
		if len(r) == 0 {
			delete(s.requested, name)
		}
	}
}
