package memory

import (
	"cmp"
	"context"
	"slices"
	"sync"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// DeadLetterStore is an in-memory [projection.DeadLetterStore]. Under a unit of work ([InTx])
// its parks and deletes apply when the unit commits.
type DeadLetterStore struct {
	mu        sync.RWMutex
	letters   map[string]map[string]projection.DeadLetter // projection -> event id -> letter
	requested map[string]map[string]bool                  // projection -> event ids asked for again
	skips     skipLog                                     // the letters skipped
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
	if err := storekit.ValidateDeadLetter(d); err != nil {
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
	if err := storekit.ValidateDeadLetterList(name, after, limit); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := []projection.DeadLetter{} // empty, not nil, when there are none
	read(unitFrom(ctx), s, func(p *pendingLetters) {
		own := p.last(name)
		s.mu.RLock()
		for id, d := range s.letters[name] {
			if _, mine := own[id]; !mine && d.Event.GlobalPosition > after {
				out = append(out, d)
			}
		}
		s.mu.RUnlock()
		for _, op := range own {
			if !op.del && op.letter.Event.GlobalPosition > after {
				out = append(out, op.letter)
			}
		}
	})
	slices.SortFunc(out, func(a, b projection.DeadLetter) int {
		if c := cmp.Compare(a.Event.GlobalPosition, b.Event.GlobalPosition); c != 0 {
			return c
		}
		return cmp.Compare(a.Event.EventID, b.Event.EventID)
	})
	out = out[:min(len(out), limit)]
	for i := range out {
		out[i].Event = out[i].Event.Clone() // the store's values share the payload
	}
	return out, nil
}

// Count implements [projection.DeadLetterStore].
func (s *DeadLetterStore) Count(ctx context.Context, name string) (int64, error) {
	if err := storekit.ValidateDeadLetterCount(name); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int
	read(unitFrom(ctx), s, func(p *pendingLetters) {
		own := p.last(name)
		s.mu.RLock()
		defer s.mu.RUnlock()
		committed := s.letters[name]
		n = len(committed)
		for id, op := range own {
			switch _, had := committed[id]; {
			case had && op.del:
				n--
			case !had && !op.del:
				n++
			}
		}
	})
	return int64(n), nil
}

// Delete implements [projection.DeadLetterStore].
func (s *DeadLetterStore) Delete(ctx context.Context, name, eventID string) (bool, error) {
	if err := storekit.ValidateDeadLetterDelete(name, eventID); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	op := letterOp{del: true, letter: projection.DeadLetter{Projection: name, Event: es.Envelope{EventID: eventID}}}
	var had bool
	if u := unitFrom(ctx); u != nil {
		err := with(u, s, newPendingLetters, func(p *pendingLetters) error {
			if last, ok := p.lastOf(name, eventID); ok {
				had = !last.del
			} else {
				s.mu.RLock()
				_, had = s.letters[name][eventID]
				s.mu.RUnlock()
			}
			p.ops = append(p.ops, op)
			return nil
		})
		return had, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, had = s.letters[name][eventID] // in the same critical section as the delete: one caller had it
	s.write(op)
	return had, nil
}

// write applies op; it runs under s.mu.
func (s *DeadLetterStore) write(op letterOp) {
	name, id := op.letter.Projection, op.letter.Event.EventID
	s.forgetRequest(name, id)
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

// last returns the unit's last write of each of the projection's letters it wrote, by event id;
// p may be nil.
func (p *pendingLetters) last(name string) map[string]letterOp {
	if p == nil {
		return nil
	}
	var out map[string]letterOp
	for _, op := range p.ops {
		if op.letter.Projection != name {
			continue
		}
		if out == nil {
			out = map[string]letterOp{}
		}
		out[op.letter.Event.EventID] = op
	}
	return out
}

// lastOf returns the unit's last write of one letter, if it wrote it.
func (p *pendingLetters) lastOf(name, eventID string) (letterOp, bool) {
	for i := len(p.ops) - 1; i >= 0; i-- {
		if op := p.ops[i]; op.letter.Projection == name && op.letter.Event.EventID == eventID {
			return op, true
		}
	}
	return letterOp{}, false
}

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
