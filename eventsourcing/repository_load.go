package eventsourcing

import (
	"context"
	"fmt"

	"github.com/gofly/eventsourcing/internal/check"
)

// Load rebuilds the aggregate id: the newest snapshot, then the events after it. It returns
// ErrAggregateNotFound when there is neither, and ErrEnvelopeMismatch when a stored envelope or
// snapshot belongs to another aggregate or does not follow the version.
//
// A snapshot that cannot be used (ahead of the stream, or state that no longer decodes) is logged
// and the aggregate is rebuilt from its events instead. With a usable snapshot, Load makes two
// calls to the stores: the snapshot, then the events from the snapshot's own last one on.
func (r *Repository[A]) Load(ctx context.Context, id string) (A, error) {
	var zero A
	if err := check.TextArg("aggregate id", id, MaxIDBytes, true); err != nil {
		return zero, err
	}
	if r.cfg.snapshots != nil {
		agg, ok, err := r.loadFromSnapshot(ctx, id)
		if err != nil || ok {
			return agg, err
		}
	}
	agg, err := r.newAggregate()
	if err != nil {
		return zero, err
	}
	agg.root().ID = id
	events, err := r.store.Load(ctx, id, 0)
	if err != nil {
		return zero, fmt.Errorf("load %s %q: %w", r.cfg.aggregateType, id, err)
	}
	if len(events) == 0 {
		return zero, fmt.Errorf("%w: %s %q has no events", ErrAggregateNotFound, r.cfg.aggregateType, id)
	}
	if err := r.replay(agg, id, events); err != nil {
		return zero, err
	}
	return agg, nil
}

// loadFromSnapshot restores the snapshot and replays the later events. It reports false when there
// is no usable snapshot, and the caller rebuilds from the events.
func (r *Repository[A]) loadFromSnapshot(ctx context.Context, id string) (A, bool, error) {
	var zero A
	snap, ok, err := r.cfg.snapshots.Load(ctx, id)
	if err != nil {
		return zero, false, fmt.Errorf("load snapshot of %s %q: %w", r.cfg.aggregateType, id, err)
	}
	if !ok {
		return zero, false, nil
	}
	if snap.AggregateID != id {
		return zero, false, fmt.Errorf("%w: the snapshot store returned a snapshot of %q, loading %q", ErrEnvelopeMismatch, snap.AggregateID, id)
	}
	if snap.AggregateType != "" && snap.AggregateType != r.cfg.aggregateType {
		return zero, false, fmt.Errorf("%w: snapshot of %q has aggregate type %q, loading %q", ErrEnvelopeMismatch, id, snap.AggregateType, r.cfg.aggregateType)
	}
	if snap.Sequence < 1 {
		r.ignoreSnapshot(ctx, snap, "its sequence is below 1")
		return zero, false, nil
	}
	// The events from the snapshot's own last event on: the first one proves the stream reaches
	// the snapshot, in the same call that fetches the rest.
	events, err := r.store.Load(ctx, id, snap.Sequence-1)
	if err != nil {
		return zero, false, fmt.Errorf("load %s %q: %w", r.cfg.aggregateType, id, err)
	}
	if len(events) == 0 || events[0].Sequence != snap.Sequence {
		r.ignoreSnapshot(ctx, snap, "it is ahead of the aggregate's events")
		return zero, false, nil
	}
	// Only the shape is checked here: decoding the state checks the rest, once.
	if !opensObject(snap.Payload) {
		r.ignoreSnapshot(ctx, snap, "its state is not a JSON object")
		return zero, false, nil
	}
	agg, err := r.newAggregate()
	if err != nil {
		return zero, false, err
	}
	if err := unmarshalSnapshot(agg, snap.Payload, r.snapFields); err != nil {
		r.ignoreSnapshot(ctx, snap, err.Error())
		return zero, false, nil
	}
	root := agg.root()
	root.ID, root.Version = id, snap.Sequence
	root.MarkCommitted()
	if err := r.replay(agg, id, events[1:]); err != nil {
		return zero, false, err
	}
	return agg, true, nil
}

// ignoreSnapshot logs why a stored snapshot is not used; Load then rebuilds from the events.
func (r *Repository[A]) ignoreSnapshot(ctx context.Context, snap Snapshot, why string) {
	r.cfg.logger.WarnContext(ctx, "eventsourcing: ignoring a snapshot and rebuilding from the events: "+why,
		"aggregate_type", r.cfg.aggregateType, "aggregate_id", snap.AggregateID, "snapshot_sequence", snap.Sequence)
}

// replay checks and applies loaded events in order.
func (r *Repository[A]) replay(agg A, id string, events []Envelope) error {
	root := agg.root()
	for i := range events {
		e := &events[i]
		switch {
		case e.AggregateID != id:
			return fmt.Errorf("%w: event %s has aggregate id %q, loading %q", ErrEnvelopeMismatch, e.EventID, e.AggregateID, id)
		case e.AggregateType != "" && e.AggregateType != r.cfg.aggregateType:
			return fmt.Errorf("%w: event %s has aggregate type %q, loading %q (set WithAggregateType after renaming a type)", ErrEnvelopeMismatch, e.EventID, e.AggregateType, r.cfg.aggregateType)
		case e.Sequence != root.Version+1:
			return fmt.Errorf("%w: event %s of %q has sequence %d, expected %d", ErrEnvelopeMismatch, e.EventID, id, e.Sequence, root.Version+1)
		}
		if err := root.Replay(*e); err != nil {
			return fmt.Errorf("load %s %q: %w", r.cfg.aggregateType, id, err)
		}
	}
	return nil
}

// opensObject reports whether the first byte of b that is not JSON white space opens an object.
func opensObject(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c == '{'
	}
	return false
}
