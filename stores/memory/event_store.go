package memory

import (
	"context"
	"fmt"
	"strings"
	"sync"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// EventStore is an in-memory [es.EventStore]. Global positions are dense: 1, 2, 3… in commit
// order. It runs transactions ([EventStore.InTx]): appends under a unit of work are applied when
// it commits, together with the snapshots, checkpoints and outbox records of the same unit.
type EventStore struct {
	upcasters []es.Upcaster
	obs       es.StoreObserver // nil: none
	err       error            // a mistake in the options, reported by every call

	commits notifier

	mu      sync.RWMutex
	log     eventLog
	streams streamIndex // aggregate id -> its stream
	ids     eventIDs    // ids of the stored events
}

var (
	_ es.EventStore     = (*EventStore)(nil)
	_ es.Transactor     = (*EventStore)(nil)
	_ es.CommitNotifier = (*EventStore)(nil)
)

// Option configures an [EventStore].
type Option func(*EventStore)

// WithUpcasters sets the upcasters applied, in order, on Load and ReadAll. A nil upcaster is a
// mistake: every call of the store then fails with es.ErrInvalidArgument naming it.
func WithUpcasters(ups ...es.Upcaster) Option {
	return func(s *EventStore) {
		for i, u := range ups {
			if u == nil && s.err == nil {
				s.err = storekit.InvalidArgument("memory.WithUpcasters: upcaster %d is nil", len(s.upcasters)+i)
			}
		}
		s.upcasters = append(s.upcasters, ups...)
	}
}

// WithObserver makes the store report its Append, Load and ReadAll calls to o (see
// es.Observer), as the "memory" system. A nil o is a mistake: every call of the store then fails
// with es.ErrInvalidArgument.
func WithObserver(o es.StoreObserver) Option {
	return func(s *EventStore) {
		if o == nil && s.err == nil {
			s.err = storekit.InvalidArgument("memory.WithObserver: the observer is nil")
		}
		s.obs = o
	}
}

// DBSystem returns es.SystemMemory: the system observers see (see es.SystemOf).
func (s *EventStore) DBSystem() string { return es.SystemMemory }

// NewEventStore returns an empty store.
func NewEventStore(opts ...Option) *EventStore {
	s := &EventStore{streams: newStreamIndex(), ids: newEventIDs()}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	return s
}

// InTx implements [es.Transactor] (see the package function [InTx]).
func (s *EventStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return InTx(ctx, fn)
}

// JoinsTx implements [es.TxJoiner]: true when ctx carries a memory unit of work.
func (s *EventStore) JoinsTx(ctx context.Context) bool { return joins(ctx) }

// OnTxEnd implements [es.TxEndNotifier] for the memory unit of work ctx carries.
func (s *EventStore) OnTxEnd(ctx context.Context, fn func(committed bool)) bool {
	u := unitFrom(ctx)
	return u != nil && fn != nil && u.onEnd(fn)
}

// Append implements [es.EventStore]. Under a unit of work ([InTx]) the events are checked now and
// applied when the unit commits.
func (s *EventStore) Append(ctx context.Context, aggregateID, aggregateType string, expected int64, events []es.Envelope) error {
	if s.obs == nil {
		return s.append(ctx, aggregateID, aggregateType, expected, events)
	}
	op := es.Op{Kind: es.OpAppend, System: es.SystemMemory, AggregateType: aggregateType, AggregateID: aggregateID,
		Events: len(events), After: expected}
	return storekit.ObserveWrite(ctx, s.obs, op, func(ctx context.Context) error {
		return s.append(ctx, aggregateID, aggregateType, expected, events)
	})
}

// append is Append without the observer.
func (s *EventStore) append(ctx context.Context, aggregateID, aggregateType string, expected int64, events []es.Envelope) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	if err := storekit.ValidateAppend(aggregateID, aggregateType, expected, events); err != nil {
		return err
	}
	u := unitFrom(ctx)
	h := s.streams.hash(aggregateID)
	var pre precheck
	if u == nil {
		var err error
		if pre, err = s.precheckNow(h, aggregateID, aggregateType, expected, events); err != nil {
			return err
		}
	}
	stored, err := copyIn(aggregateID, aggregateType, expected, events)
	if err != nil {
		return err
	}
	var first int64 // the position of the first event, when it has one now
	if u != nil {
		err = s.appendInUnit(u, aggregateID, aggregateType, expected, stored)
	} else if first, err = s.appendNow(h, pre, aggregateID, aggregateType, expected, stored); err == nil {
		s.commits.signal()
	}
	if err != nil {
		return err
	}
	for i := range events {
		events[i].AggregateID, events[i].AggregateType, events[i].Sequence = aggregateID, aggregateType, stored[i].env.Sequence
		if first > 0 {
			events[i].GlobalPosition = first + int64(i)
		}
	}
	return nil
}

// appendNow writes stored at once and returns the position of its first event (0 when it was a
// retry of events stored already: nothing was written). h is the hash of aggregateID in
// s.streams; pre is what precheckNow found.
func (s *EventStore) appendNow(h uint64, pre precheck, aggregateID, aggregateType string, expected int64, stored []record) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pre.writable && s.log.n == pre.logLen { // nothing was written since: what it found holds
		return s.write(aggregateID, pre.stream, stored), nil
	}
	stream := s.streams.findHashed(&s.log, h, aggregateID)
	if stream.head.n != expected {
		return 0, s.retried(aggregateID, aggregateType, expected, stream, stored)
	}
	if err := s.checkNewIDs(stored, nil); err != nil {
		return 0, err
	}
	return s.write(aggregateID, stream, stored), nil
}

// precheck is what precheckNow found.
type precheck struct {
	writable bool      // the aggregate was at the expected version and the event ids were new
	stream   streamRef // the aggregate's stream then
	logLen   int64     // the length of the log then: every write lengthens it
}

// precheckNow decides what an append outside a unit of work can, before anything is copied for
// it, under s.mu for reading (so appends to other aggregates check at the same time): the
// conflict it meets whatever its content (the aggregate is not at the expected version, and the
// append is no retry of the events stored after it: there are fewer, or the first has another
// id); else, at the expected version, an event id the store holds. appendNow decides the rest,
// under the lock, looking again only when something was written in between. h is the hash of
// aggregateID in s.streams.
func (s *EventStore) precheckNow(h uint64, aggregateID, aggregateType string, expected int64, events []es.Envelope) (precheck, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	stream := s.streams.findHashed(&s.log, h, aggregateID)
	actual := stream.head.n
	if actual == expected {
		for i := range events {
			if err := s.idStored(i, events[i].EventID, nil); err != nil {
				return precheck{}, err
			}
		}
		return precheck{writable: true, stream: stream, logLen: s.log.n}, nil
	}
	if expected < actual && actual >= expected+int64(len(events)) &&
		s.log.at(s.streams.positionOf(&s.log, stream, aggregateID, expected+1)).env.EventID == events[0].EventID {
		return precheck{}, nil // a retry, perhaps: appendNow compares the events
	}
	return precheck{}, &es.ConcurrencyError{AggregateID: aggregateID, AggregateType: aggregateType, Expected: expected, Actual: actual}
}

// retried decides an append whose expected version is behind: nil when it is a retry of events
// already stored at exactly those sequences with the same content (nothing is written), else a
// *es.ConcurrencyError. stream is the aggregate's, as found under the same hold of s.mu.
func (s *EventStore) retried(aggregateID, aggregateType string, expected int64, stream streamRef, stored []record) error {
	actual := stream.head.n
	conflict := &es.ConcurrencyError{AggregateID: aggregateID, AggregateType: aggregateType, Expected: expected, Actual: actual}
	if expected > actual || actual < expected+int64(len(stored)) {
		return conflict
	}
	for i := range stored {
		have := s.log.at(s.streams.positionOf(&s.log, stream, aggregateID, expected+int64(i)+1))
		if have.env.EventID != stored[i].env.EventID {
			return conflict
		}
		if !have.envelope().Equal(stored[i].envelope()) {
			conflict.Reason = fmt.Sprintf("event %s is already stored at sequence %d with different content; "+
				"a retry must carry the same events, a new command needs new event ids", have.env.EventID, have.env.Sequence)
			return conflict
		}
	}
	return nil
}

// checkNewIDs refuses event ids the store holds, or (when pending is set) the unit holds. It
// runs under s.mu.
func (s *EventStore) checkNewIDs(stored []record, pending map[string]struct{}) error {
	for i := range stored {
		if err := s.idStored(i, stored[i].env.EventID, pending); err != nil {
			return err
		}
	}
	return nil
}

// idStored refuses id, the id of an append's i-th event, when the store holds it or (when
// pending is set) the unit does. It runs under s.mu (read or write).
func (s *EventStore) idStored(i int, id string, pending map[string]struct{}) error {
	_, inUnit := pending[id]
	if inUnit || s.ids.has(&s.log, id) {
		return storekit.InvalidArgument("events[%d].EventID: %q is already stored (every event needs a new id)", i, id)
	}
	return nil
}

// write appends stored to the log and to stream, the aggregate's stream as s.streams found it
// under the same lock, and returns the position of the first event (the others follow it). It
// runs under s.mu.
func (s *EventStore) write(aggregateID string, stream streamRef, stored []record) int64 {
	first := s.log.n + 1
	if len(stored) == 0 {
		return first
	}
	head := stream.head
	for i := range stored {
		r := &stored[i]
		r.prev = head.last
		pos := s.log.add(r)
		s.ids.add(&s.log, r.env.EventID, pos)
		head.last, head.n = pos, head.n+1
	}
	s.streams.grew(&s.log, stream, aggregateID, head, first)
	return first
}

// positionOf returns the global position of the stored event with eventID of aggregateID, 0
// when the store holds none.
func (s *EventStore) positionOf(eventID, aggregateID string) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	pos, ok := s.ids.find(&s.log, eventID)
	if !ok || s.log.at(pos).env.AggregateID != aggregateID {
		return 0
	}
	return pos
}

// CommitNotifications implements [es.CommitNotifier]: a signal after each committed append.
func (s *EventStore) CommitNotifications(ctx context.Context) <-chan struct{} {
	return s.commits.subscribe(ctx)
}

// Load implements [es.EventStore]. Under a unit of work it includes the unit's own appends, which
// have no global position (0) until it commits.
func (s *EventStore) Load(ctx context.Context, aggregateID string, afterSequence int64) ([]es.Envelope, error) {
	if s.obs == nil {
		return s.load(ctx, aggregateID, afterSequence)
	}
	// A copy of the id for the observer, so that the id does not escape when there is none.
	op := es.Op{Kind: es.OpLoad, System: es.SystemMemory, AggregateID: strings.Clone(aggregateID), After: afterSequence}
	return storekit.ObserveRead(ctx, s.obs, op, func(ctx context.Context) ([]es.Envelope, error) {
		return s.load(ctx, aggregateID, afterSequence)
	})
}

// load is Load without the observer.
func (s *EventStore) load(ctx context.Context, aggregateID string, afterSequence int64) ([]es.Envelope, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if err := storekit.ValidateLoad(aggregateID, afterSequence); err != nil {
		return nil, err
	}
	var out []es.Envelope
	read(unitFrom(ctx), s, func(p *pendingAppends) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		stream := s.streams.find(&s.log, aggregateID)
		n := stream.head.n // how many committed events the caller sees
		var ownEvents []record
		if p != nil {
			n, ownEvents = p.view(aggregateID, n)
		}
		if afterSequence < n {
			out = make([]es.Envelope, n-afterSequence, n-afterSequence+int64(len(ownEvents)))
			pos := s.streams.positionOf(&s.log, stream, aggregateID, n)
			for i := len(out) - 1; i >= 0; i-- {
				r := s.log.at(pos)
				out[i] = r.envelope()
				pos = r.prev
			}
		}
		for i := range ownEvents {
			if ownEvents[i].env.Sequence > afterSequence {
				out = append(out, ownEvents[i].envelope())
			}
		}
	})
	if _, err := s.upcast(out); err != nil {
		return nil, err
	}
	return out, nil
}

// LatestVersion implements [es.EventStore]. Under a unit of work it counts the unit's own appends.
func (s *EventStore) LatestVersion(ctx context.Context, aggregateID string) (int64, error) {
	if err := s.ready(ctx); err != nil {
		return 0, err
	}
	if err := storekit.ValidateAggregateID(aggregateID); err != nil {
		return 0, err
	}
	var version int64
	read(unitFrom(ctx), s, func(p *pendingAppends) {
		if ps := pendingStreamOf(p, aggregateID); ps != nil {
			version = ps.base + int64(len(ps.events))
			return
		}
		s.mu.RLock()
		defer s.mu.RUnlock()
		version = s.streams.find(&s.log, aggregateID).head.n
	})
	return version, nil
}

// ReadAll implements [es.EventStore]: committed events only. A cursor beyond the last position is
// not on this store's stream and is refused with es.ErrInvalidArgument. The store holds no event
// that does not decode, but an upcaster can fail on one: that event ends the page with an
// *es.DecodeError, after the events before it.
func (s *EventStore) ReadAll(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	if s.obs == nil {
		return s.readAll(ctx, after, limit)
	}
	op := es.Op{Kind: es.OpReadAll, System: es.SystemMemory, After: after}
	return storekit.ObserveRead(ctx, s.obs, op, func(ctx context.Context) ([]es.Envelope, error) { return s.readAll(ctx, after, limit) })
}

// readAll is ReadAll without the observer.
func (s *EventStore) readAll(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if err := storekit.ValidateReadAll(after, limit); err != nil {
		return nil, err
	}
	s.mu.RLock()
	n := s.log.n
	if after > n {
		s.mu.RUnlock()
		return nil, storekit.InvalidArgument("after: position %d is not on this store's global stream (last position %d): "+
			"it was never returned by ReadAll, or comes from another store; rebuild the reader from 0", after, n)
	}
	count := min(int64(limit), n-after) // limit may be huge: never add it to after
	out := make([]es.Envelope, count)
	for i := range out {
		out[i] = s.log.at(after + int64(i) + 1).envelope()
	}
	s.mu.RUnlock()
	upcast, err := s.upcast(out)
	return out[:upcast], err // an event an upcaster fails on ends the page
}

// LastPosition implements [es.EventStore].
func (s *EventStore) LastPosition(ctx context.Context) (int64, error) {
	if err := s.ready(ctx); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.log.n, nil
}

// ready reports a mistake in the options, or the context's end.
func (s *EventStore) ready(ctx context.Context) error {
	if s.err != nil {
		return s.err
	}
	return ctx.Err()
}

// upcast applies the store's upcasters to envelopes the caller owns, in place, up to the first
// that fails: it returns how many it upcast and that failure, an *es.DecodeError.
func (s *EventStore) upcast(envs []es.Envelope) (int, error) {
	if len(s.upcasters) == 0 {
		return len(envs), nil
	}
	for i := range envs {
		e, err := storekit.ApplyUpcasters(s.upcasters, envs[i])
		if err != nil {
			return i, err
		}
		envs[i] = e
	}
	return len(envs), nil
}
