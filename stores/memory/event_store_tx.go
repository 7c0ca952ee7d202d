package memory

import (
	"sync"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// pendingAppends are an event store's appends inside one unit of work.
type pendingAppends struct {
	mu      sync.Mutex
	streams map[string]*pendingStream
	batches []pendingBatch // in call order, which becomes position order at commit
	ids     map[string]struct{}
}

// pendingStream is what a unit appended to one aggregate: base is the aggregate's committed
// version when the unit first appended to it.
type pendingStream struct {
	aggregateType string
	base          int64
	events        []es.Envelope
}

type pendingBatch struct {
	aggregateID string
	events      []es.Envelope
}

func newPendingAppends() *pendingAppends {
	return &pendingAppends{streams: map[string]*pendingStream{}, ids: map[string]struct{}{}}
}

// pendingIn returns s's appends in u, or nil.
func pendingIn(u *unit, s *EventStore) *pendingAppends { return peek[pendingAppends](u, s) }

// view returns the committed positions a reader under the unit sees for aggregateID and the
// unit's own events after them. It runs under s.mu (read).
func (p *pendingAppends) view(aggregateID string, committed []int64) ([]int64, []es.Envelope) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ps := p.streams[aggregateID]
	if ps == nil {
		return committed, nil
	}
	if int64(len(committed)) > ps.base {
		committed = committed[:ps.base]
	}
	return committed, append([]es.Envelope(nil), ps.events...)
}

func (s *EventStore) appendInUnit(u *unit, aggregateID, aggregateType string, expected int64, stored []es.Envelope) error {
	p, err := ops(u, s, newPendingAppends)
	if err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	ps := p.streams[aggregateID]
	actual := int64(len(s.streams[aggregateID]))
	if ps != nil {
		actual = ps.base + int64(len(ps.events))
	}
	if actual != expected {
		if ps != nil {
			return &es.ConcurrencyError{AggregateID: aggregateID, AggregateType: aggregateType, Expected: expected, Actual: actual}
		}
		return s.retried(aggregateID, aggregateType, expected, actual, stored)
	}
	if err := s.checkNewIDs(stored, p.ids); err != nil {
		return err
	}
	if ps == nil {
		ps = &pendingStream{aggregateType: aggregateType, base: actual}
		p.streams[aggregateID] = ps
	}
	if len(p.batches) == 0 {
		u.onCommit(s.commits.signal)
	}
	ps.events = append(ps.events, stored...)
	p.batches = append(p.batches, pendingBatch{aggregateID: aggregateID, events: stored})
	for i := range stored {
		p.ids[stored[i].EventID] = struct{}{}
	}
	return nil
}

func (s *EventStore) lockForCommit()     { s.mu.Lock() }
func (s *EventStore) unlockAfterCommit() { s.mu.Unlock() }

// prepare checks, under s.mu, that no one appended to the unit's aggregates since it read their
// versions and that its event ids are still new.
func (s *EventStore) prepare(o any) error {
	p := o.(*pendingAppends)
	for id, ps := range p.streams {
		if actual := int64(len(s.streams[id])); actual != ps.base {
			return &es.ConcurrencyError{
				AggregateID: id, AggregateType: ps.aggregateType, Expected: ps.base, Actual: actual,
				Reason: "another writer appended to it while this unit of work was open; retry in a new one",
			}
		}
	}
	for _, b := range p.batches {
		if err := s.checkNewIDs(b.events, nil); err != nil {
			return err
		}
	}
	return nil
}

// apply writes the unit's appends, under s.mu.
func (s *EventStore) apply(o any) {
	for _, b := range o.(*pendingAppends).batches {
		s.write(b.aggregateID, b.events)
	}
}
