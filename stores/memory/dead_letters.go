package memory

import (
	"context"
	"slices"
	"sync"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
)

// DeadLetterStore is an in-memory [projection.DeadLetterStore]. Under a unit of work ([InTx])
// its parks and deletes apply when the unit commits.
type DeadLetterStore struct {
	mu      sync.RWMutex
	letters map[string]map[string]projection.DeadLetter // projection -> event id -> letter
}

var (
	_ projection.DeadLetterStore = (*DeadLetterStore)(nil)
	_ es.TxJoiner                = (*DeadLetterStore)(nil)
)

// NewDeadLetterStore returns an empty store.
func NewDeadLetterStore() *DeadLetterStore {
	return &DeadLetterStore{letters: map[string]map[string]projection.DeadLetter{}}
}

// JoinsTx implements [es.TxJoiner]: true when ctx carries a memory unit of work.
func (s *DeadLetterStore) JoinsTx(ctx context.Context) bool { return joins(ctx) }

// Park implements [projection.DeadLetterStore].
func (s *DeadLetterStore) Park(ctx context.Context, d projection.DeadLetter) error {
	if err := projection.ValidateDeadLetter(d); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	md, err := storekit.NormalizeMetadata(d.Event.Metadata)
	if err != nil {
		return err
	}
	d.Event = d.Event.Clone()
	d.Event.Metadata = md
	d.Event.OccurredAt = storekit.StoredTime(d.Event.OccurredAt)
	d.FailedAt = storekit.StoredTime(d.FailedAt)
	op := letterOp{letter: d}
	if u := unitFrom(ctx); u != nil {
		return with(u, s, newPendingLetters, func(p *pendingLetters) error {
			p.ops = append(p.ops, op)
			return nil
		})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.write(op)
	return nil
}

// List implements [projection.DeadLetterStore].
func (s *DeadLetterStore) List(ctx context.Context, name string, after int64, limit int) ([]projection.DeadLetter, error) {
	if err := projection.ValidateName("projection name", name); err != nil {
		return nil, err
	}
	if err := storekit.ValidateReadAll(after, limit); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	all := s.visible(ctx, name)
	out := make([]projection.DeadLetter, 0, min(len(all), limit))
	for _, d := range all {
		if d.Event.GlobalPosition > after {
			d.Event = d.Event.Clone()
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b projection.DeadLetter) int {
		return int(min(max(a.Event.GlobalPosition-b.Event.GlobalPosition, -1), 1))
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Count implements [projection.DeadLetterStore].
func (s *DeadLetterStore) Count(ctx context.Context, name string) (int64, error) {
	if err := projection.ValidateName("projection name", name); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return int64(len(s.visible(ctx, name))), nil
}

// Delete implements [projection.DeadLetterStore].
func (s *DeadLetterStore) Delete(ctx context.Context, name, eventID string) (bool, error) {
	if err := projection.ValidateName("projection name", name); err != nil {
		return false, err
	}
	if p := check.Text(eventID, es.MaxIDBytes, true); p != "" {
		return false, storekit.InvalidArgument("event id: %s", p)
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	_, had := s.visible(ctx, name)[eventID]
	op := letterOp{del: true, letter: projection.DeadLetter{Projection: name, Event: es.Envelope{EventID: eventID}}}
	if u := unitFrom(ctx); u != nil {
		err := with(u, s, newPendingLetters, func(p *pendingLetters) error {
			p.ops = append(p.ops, op)
			return nil
		})
		return had, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.write(op)
	return had, nil
}

// visible returns the projection's letters a reader under ctx sees, by event id (shared values:
// clone before handing them out).
func (s *DeadLetterStore) visible(ctx context.Context, name string) map[string]projection.DeadLetter {
	var out map[string]projection.DeadLetter
	read(unitFrom(ctx), s, func(p *pendingLetters) {
		s.mu.RLock()
		out = make(map[string]projection.DeadLetter, len(s.letters[name]))
		for id, d := range s.letters[name] {
			out[id] = d
		}
		s.mu.RUnlock()
		if p == nil {
			return
		}
		for _, op := range p.ops {
			if op.letter.Projection != name {
				continue
			}
			if op.del {
				delete(out, op.letter.Event.EventID)
			} else {
				out[op.letter.Event.EventID] = op.letter
			}
		}
	})
	return out
}

// write applies op; it runs under s.mu.
func (s *DeadLetterStore) write(op letterOp) {
	name, id := op.letter.Projection, op.letter.Event.EventID
	if op.del {
		delete(s.letters[name], id)
		if len(s.letters[name]) == 0 {
			delete(s.letters, name)
		}
		return
	}
	if s.letters[name] == nil {
		s.letters[name] = map[string]projection.DeadLetter{}
	}
	s.letters[name][id] = op.letter
}

// letterOp is a park or a delete held in a unit of work.
type letterOp struct {
	del    bool
	letter projection.DeadLetter
}

// pendingLetters are a dead-letter store's writes inside one unit of work, in call order; the
// unit's lock guards them.
type pendingLetters struct {
	ops []letterOp
}

func newPendingLetters() *pendingLetters { return &pendingLetters{} }

func (s *DeadLetterStore) lockForCommit()     { s.mu.Lock() }
func (s *DeadLetterStore) unlockAfterCommit() { s.mu.Unlock() }
func (s *DeadLetterStore) prepare(any) error  { return nil }

func (s *DeadLetterStore) apply(o any) {
	for _, op := range o.(*pendingLetters).ops {
		s.write(op)
	}
}

// InTx runs fn in a unit of work (see the package function [InTx]).
func (s *DeadLetterStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return InTx(ctx, fn)
}
