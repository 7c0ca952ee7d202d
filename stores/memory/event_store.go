package memory

import (
	"context"
	"encoding/json"
	"sync"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// EventStore is an in-memory [es.EventStore]. Global positions are dense: 1, 2, 3… in append
// order.
type EventStore struct {
	upcasters []es.Upcaster

	mu      sync.RWMutex
	all     []es.Envelope    // position p is all[p-1]
	streams map[string][]int // aggregate id -> indexes into all, in sequence order
	ids     map[string]struct{}
}

var _ es.EventStore = (*EventStore)(nil)

// Option configures an [EventStore].
type Option func(*EventStore)

// WithUpcasters sets the upcasters applied, in order, on Load and ReadAll.
func WithUpcasters(ups ...es.Upcaster) Option {
	return func(s *EventStore) { s.upcasters = append(s.upcasters, ups...) }
}

// NewEventStore returns an empty store.
func NewEventStore(opts ...Option) *EventStore {
	s := &EventStore{streams: make(map[string][]int), ids: make(map[string]struct{})}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Append implements [es.EventStore].
func (s *EventStore) Append(ctx context.Context, aggregateID, aggregateType string, expected int64, events []es.Envelope) error {
	if err := es.ValidateAppend(aggregateID, aggregateType, expected, events); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	stored := make([]es.Envelope, len(events))
	for i := range events {
		// NormalizeMetadata returns a copy, so only the payload needs cloning here.
		e := events[i]
		md, err := es.NormalizeMetadata(e.Metadata)
		if err != nil {
			return err
		}
		e.Payload = append(json.RawMessage(nil), e.Payload...)
		e.Metadata = md
		e.AggregateID, e.AggregateType = aggregateID, aggregateType
		e.OccurredAt = e.OccurredAt.UTC()
		stored[i] = e
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	stream := s.streams[aggregateID]
	if actual := int64(len(stream)); actual != expected {
		return &es.ConcurrencyError{AggregateID: aggregateID, AggregateType: aggregateType, Expected: expected, Actual: actual}
	}
	for i := range stored {
		if _, dup := s.ids[stored[i].EventID]; dup {
			return es.InvalidArgument("events[%d].EventID: %q is already stored", i, stored[i].EventID)
		}
	}
	for i := range stored {
		stored[i].Sequence = expected + int64(i) + 1
		stored[i].GlobalPosition = int64(len(s.all)) + 1
		s.ids[stored[i].EventID] = struct{}{}
		stream = append(stream, len(s.all))
		s.all = append(s.all, stored[i])
	}
	s.streams[aggregateID] = stream
	for i := range events {
		events[i].AggregateID, events[i].AggregateType, events[i].Sequence = aggregateID, aggregateType, stored[i].Sequence
	}
	return nil
}

// Load implements [es.EventStore].
func (s *EventStore) Load(ctx context.Context, aggregateID string, afterSequence int64) ([]es.Envelope, error) {
	if err := es.ValidateAggregateID(aggregateID); err != nil {
		return nil, err
	}
	if afterSequence < 0 {
		return nil, es.InvalidArgument("afterSequence: must be 0 or more, got %d", afterSequence)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	stream := s.streams[aggregateID]
	var out []es.Envelope
	if afterSequence < int64(len(stream)) {
		idx := stream[afterSequence:]
		out = make([]es.Envelope, len(idx))
		for i, j := range idx {
			out[i] = s.all[j].Clone()
		}
	}
	s.mu.RUnlock()
	return s.upcast(out)
}

// LatestVersion implements [es.EventStore].
func (s *EventStore) LatestVersion(ctx context.Context, aggregateID string) (int64, error) {
	if err := es.ValidateAggregateID(aggregateID); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return int64(len(s.streams[aggregateID])), nil
}

// ReadAll implements [es.EventStore]. A cursor beyond the last position is not on this store's
// stream and is refused with ErrInvalidArgument.
func (s *EventStore) ReadAll(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	if err := es.ValidateReadAll(after, limit); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	n := int64(len(s.all))
	if after > n {
		s.mu.RUnlock()
		return nil, es.InvalidArgument("after: position %d is not on this store's global stream (last position %d)", after, n)
	}
	end := min(after+int64(limit), n)
	out := make([]es.Envelope, 0, end-after)
	for _, e := range s.all[after:end] {
		out = append(out, e.Clone())
	}
	s.mu.RUnlock()
	return s.upcast(out)
}

// LastPosition implements [es.EventStore].
func (s *EventStore) LastPosition(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return int64(len(s.all)), nil
}

// upcast applies the store's upcasters to envelopes the caller owns.
func (s *EventStore) upcast(envs []es.Envelope) ([]es.Envelope, error) {
	if len(s.upcasters) == 0 {
		return envs, nil
	}
	for i := range envs {
		e, err := es.ApplyUpcasters(s.upcasters, envs[i])
		if err != nil {
			return nil, err
		}
		envs[i] = e
	}
	return envs, nil
}
