package memory

import (
	es "github.com/gofly/eventsourcing/eventsourcing"
)

// pendingAppends are an event store's appends inside one unit of work; the unit's lock guards
// them.
type pendingAppends struct {
	unit    *unit
	streams map[string]*pendingStream
	batches []pendingBatch // in call order, which becomes position order at commit
	ids     map[string]struct{}
}

// pendingStream is what a unit appended to one aggregate: base is the aggregate's committed
// version when the unit first appended to it.
type pendingStream struct {
	aggregateType string
	base          int64
	events        []record
}

type pendingBatch struct {
	aggregateID string
	events      []record
}

func newPendingAppends(u *unit) *pendingAppends {
	return &pendingAppends{unit: u, streams: map[string]*pendingStream{}, ids: map[string]struct{}{}}
}

// view returns how many of aggregateID's committed events (of the committed there are) a reader
// under the unit sees, and the unit's own events after them (shared: clone before handing them
// out). It runs under the unit's lock and s.mu (read).
func (p *pendingAppends) view(aggregateID string, committed int64) (int64, []record) {
	ps := p.streams[aggregateID]
	if ps == nil {
		return committed, nil
	}
	return min(committed, ps.base), ps.events
}

func (s *EventStore) appendInUnit(u *unit, aggregateID, aggregateType string, expected int64, stored []record) error {
	create := func() *pendingAppends { return newPendingAppends(u) }
	return with(u, s, create, func(p *pendingAppends) error {
		return s.bufferAppend(u, p, aggregateID, aggregateType, expected, stored)
	})
}

// bufferAppend checks an append under a unit of work and keeps it in p for the commit. It runs
// under the unit's lock and takes s.mu (read).
func (s *EventStore) bufferAppend(u *unit, p *pendingAppends, aggregateID, aggregateType string, expected int64, stored []record) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ps := p.streams[aggregateID]
	stream := s.streams.find(&s.log, aggregateID)
	actual := stream.head.n
	if ps != nil {
		actual = ps.base + int64(len(ps.events))
	}
	if actual != expected {
		if ps != nil {
			return &es.ConcurrencyError{AggregateID: aggregateID, AggregateType: aggregateType, Expected: expected, Actual: actual}
		}
		return s.retried(aggregateID, aggregateType, expected, stream, stored)
	}
	if err := s.checkNewIDs(stored, p.ids); err != nil {
		return err
	}
	if ps == nil {
		ps = &pendingStream{aggregateType: aggregateType, base: actual}
		p.streams[aggregateID] = ps
	}
	if len(p.batches) == 0 {
		u.onCommitLocked(s.commits.signal)
	}
	ps.events = append(ps.events, stored...)
	p.batches = append(p.batches, pendingBatch{aggregateID: aggregateID, events: stored})
	for i := range stored {
		p.ids[stored[i].env.EventID] = struct{}{}
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
		if actual := s.streams.find(&s.log, id).head.n; actual != ps.base {
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

// apply writes the unit's appends, under s.mu, and tells the unit their positions.
func (s *EventStore) apply(o any) {
	p := o.(*pendingAppends)
	for _, b := range p.batches {
		p.unit.numbered(b.events, s.write(b.aggregateID, s.streams.find(&s.log, b.aggregateID), b.events))
	}
}

// pendingStreamOf returns what the unit p appended to aggregateID, or nil; p may be nil.
func pendingStreamOf(p *pendingAppends, aggregateID string) *pendingStream {
	if p == nil {
		return nil
	}
	return p.streams[aggregateID]
}
