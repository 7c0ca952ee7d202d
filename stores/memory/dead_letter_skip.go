package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
)

var (
	_ projection.SkipStore = (*DeadLetterStore)(nil)
	_ outbox.SkipStore     = (*OutboxStore)(nil)
)

// skipLog keeps the skipped dead letters of a store, the most recent last; its owner's lock
// guards it.
type skipLog []inspect.Skip

// add records s, replacing an earlier skip of the same letter.
func (l *skipLog) add(s inspect.Skip) {
	*l = slices.DeleteFunc(*l, func(o inspect.Skip) bool { return o.Name == s.Name && o.EventID == s.EventID })
	*l = append(*l, s)
}

// list returns up to limit skips of name ("" for every name), the most recent first.
func (l skipLog) list(name string, limit int) []inspect.Skip {
	out := []inspect.Skip{}
	for i := len(l) - 1; i >= 0 && len(out) < limit; i-- {
		if name == "" || l[i].Name == name {
			out = append(out, l[i])
		}
	}
	return out
}

// Skip implements [projection.SkipStore]. It applies at once, also under a unit of work.
func (s *DeadLetterStore) Skip(ctx context.Context, name, eventID, by string, at time.Time) error {
	if err := storekit.ValidateDeadLetterDelete(name, eventID); err != nil {
		return err
	}
	if err := storekit.ValidateSkip(by, at); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.letters[name][eventID]
	if !ok {
		return fmt.Errorf("%w: %q of projection %q", projection.ErrNoDeadLetter, check.Clip(eventID, 80), check.Clip(name, 300))
	}
	s.write(letterOp{del: true, letter: d})
	s.skips.add(inspect.Skip{Kind: inspect.KindProjection, Name: name, EventID: eventID, GlobalPosition: d.Event.GlobalPosition,
		AggregateID: d.Event.AggregateID, EventType: d.Event.EventType, Attempts: d.Attempts, Error: d.Error,
		SkippedBy: by, SkippedAt: storekit.StoredTime(at)})
	return nil
}

// Skips lists up to limit dead letters skipped of the projection name ("" for every
// projection), the most recently skipped first.
func (s *DeadLetterStore) Skips(name string, limit int) []inspect.Skip {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.skips.list(name, limit)
}

// Skip implements [outbox.SkipStore].
func (s *OutboxStore) Skip(ctx context.Context, name, id, by string, at time.Time) error {
	if err := storekit.ValidateRetry(name, id); err != nil {
		return err
	}
	if err := storekit.ValidateSkip(by, at); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	at = storekit.StoredTime(at)
	s.mu.Lock()
	b, e, err := s.deadEntry(name, id)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	e.rec.Dead, e.rec.DeliveredAt = false, at
	b.delivered = append(b.delivered, e)
	r := e.rec
	s.skips.add(inspect.Skip{Kind: inspect.KindOutbox, Name: name, EventID: id, GlobalPosition: r.Event.GlobalPosition,
		AggregateID: r.Event.AggregateID, EventType: r.Event.EventType, Attempts: r.Attempts, Error: r.LastError,
		SkippedBy: by, SkippedAt: at})
	s.mu.Unlock()
	s.commits.signal()
	return nil
}

// Skips lists up to limit dead letters skipped of the outbox name ("" for every outbox), the
// most recently skipped first.
func (s *OutboxStore) Skips(name string, limit int) []inspect.Skip {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.skips.list(name, limit)
}
