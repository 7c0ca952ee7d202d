package eventsourcing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"time"
)

// Repository saves and loads aggregates of type A through an [EventStore], with optional
// snapshots, transactions and outbox.
type Repository[A Aggregate] struct {
	store   EventStore
	factory func() A
	cfg     repoConfig
	// snapInTx is true when the snapshot store writes through the transactor's transactions.
	snapInTx bool
}

// NewRepository returns a repository over store that builds empty aggregates with factory.
func NewRepository[A Aggregate](store EventStore, factory func() A, opts ...RepositoryOption) (*Repository[A], error) {
	if isNil(store) {
		return nil, invalidArg("NewRepository: the event store must not be nil")
	}
	if factory == nil {
		return nil, invalidArg("NewRepository: the factory must not be nil")
	}
	r := &Repository[A]{store: store, factory: factory}
	for _, o := range opts {
		if err := o(&r.cfg); err != nil {
			return nil, err
		}
	}
	if r.cfg.aggregateType == "" {
		r.cfg.aggregateType = typeNameOf(reflect.TypeFor[A]())
	}
	if r.cfg.logger == nil {
		r.cfg.logger = slog.Default()
	}
	if r.cfg.tx == nil {
		if t, ok := store.(Transactor); ok {
			r.cfg.tx = t
		}
	}
	if r.cfg.snapshots != nil {
		probe := factory()
		if isNil(probe) {
			return nil, invalidArg("NewRepository: the factory returned nil")
		}
		if err := checkSnapshotable(probe); err != nil {
			return nil, err
		}
		if j, ok := r.cfg.snapshots.(TxJoiner); ok && r.cfg.tx != nil {
			r.snapInTx = j.JoinsTx(r.cfg.tx)
		}
	}
	return r, nil
}

// AggregateType is the type name written to envelopes and checked on load.
func (r *Repository[A]) AggregateType() string { return r.cfg.aggregateType }

// Load rebuilds the aggregate id: the newest snapshot, then the events after it. It returns
// ErrAggregateNotFound when there is neither, and ErrEnvelopeMismatch when a stored envelope or
// snapshot belongs to another aggregate or does not follow the version.
func (r *Repository[A]) Load(ctx context.Context, id string) (A, error) {
	var zero A
	if err := ValidateAggregateID(id); err != nil {
		return zero, err
	}
	agg, err := r.newAggregate()
	if err != nil {
		return zero, err
	}
	root := agg.root()
	root.ID = id
	restored := false
	if r.cfg.snapshots != nil {
		restored, err = r.restore(ctx, agg, id)
		if err != nil {
			return zero, err
		}
	}
	events, err := r.store.Load(ctx, id, root.Version)
	if err != nil {
		return zero, fmt.Errorf("load %s %q: %w", r.cfg.aggregateType, id, err)
	}
	if len(events) == 0 && !restored {
		return zero, fmt.Errorf("%w: %s %q has no events", ErrAggregateNotFound, r.cfg.aggregateType, id)
	}
	for i := range events {
		e := &events[i]
		switch {
		case e.AggregateID != id:
			return zero, fmt.Errorf("%w: event %s has aggregate id %q, loading %q", ErrEnvelopeMismatch, e.EventID, e.AggregateID, id)
		case e.AggregateType != "" && e.AggregateType != r.cfg.aggregateType:
			return zero, fmt.Errorf("%w: event %s has aggregate type %q, loading %q (set WithAggregateType after renaming a type)", ErrEnvelopeMismatch, e.EventID, e.AggregateType, r.cfg.aggregateType)
		case e.Sequence != root.Version+1:
			return zero, fmt.Errorf("%w: event %s of %q has sequence %d, expected %d", ErrEnvelopeMismatch, e.EventID, id, e.Sequence, root.Version+1)
		}
		if err := root.Replay(*e); err != nil {
			return zero, fmt.Errorf("load %s %q: %w", r.cfg.aggregateType, id, err)
		}
	}
	return agg, nil
}

// restore applies the aggregate's snapshot, unless there is none or it is ahead of the stream.
func (r *Repository[A]) restore(ctx context.Context, agg A, id string) (bool, error) {
	snap, ok, err := r.cfg.snapshots.Load(ctx, id)
	if err != nil {
		return false, fmt.Errorf("load snapshot of %s %q: %w", r.cfg.aggregateType, id, err)
	}
	if !ok {
		return false, nil
	}
	if snap.AggregateType != "" && snap.AggregateType != r.cfg.aggregateType {
		return false, fmt.Errorf("%w: snapshot of %q has aggregate type %q, loading %q", ErrEnvelopeMismatch, id, snap.AggregateType, r.cfg.aggregateType)
	}
	latest, err := r.store.LatestVersion(ctx, id)
	if err != nil {
		return false, fmt.Errorf("load %s %q: %w", r.cfg.aggregateType, id, err)
	}
	if snap.Sequence > latest || snap.Sequence < 1 {
		r.cfg.logger.WarnContext(ctx, "eventsourcing: ignoring a snapshot outside the stream",
			"aggregate_id", id, "snapshot_sequence", snap.Sequence, "latest_version", latest)
		return false, nil
	}
	if err := unmarshalSnapshot(agg, snap.Payload); err != nil {
		return false, fmt.Errorf("restore %s %q from snapshot: %w", r.cfg.aggregateType, id, err)
	}
	root := agg.root()
	root.ID, root.Version, root.pending = id, snap.Sequence, nil
	return true, nil
}

// Save appends agg's pending events with expected version Version − len(pending), then marks
// them committed. On failure they stay pending. A save that crosses a multiple of the snapshot
// interval also stores a snapshot: in the events' transaction when the snapshot store joins it,
// else after the commit (a failure then is logged, not returned: the events are durable).
func (r *Repository[A]) Save(ctx context.Context, agg A) error {
	if isNil(agg) {
		return invalidArg("Save: the aggregate must not be nil")
	}
	root := agg.root()
	if root.self == nil {
		root.self = agg
	}
	if len(root.pending) == 0 {
		return nil
	}
	expected := root.Version - int64(len(root.pending))
	if expected < 0 {
		return invalidArg("Save: %s %q has version %d but %d pending events", r.cfg.aggregateType, root.ID, root.Version, len(root.pending))
	}
	envs, err := r.envelopes(ctx, root.pending)
	if err != nil {
		return err
	}
	snap := r.cfg.snapshots != nil && root.Version/r.cfg.interval > expected/r.cfg.interval
	var snapshot Snapshot
	if snap {
		payload, err := marshalSnapshot(agg)
		if err != nil {
			return fmt.Errorf("snapshot of %s %q: %w", r.cfg.aggregateType, root.ID, err)
		}
		snapshot = Snapshot{AggregateID: root.ID, AggregateType: r.cfg.aggregateType, Sequence: root.Version, Payload: payload, CreatedAt: time.Now().UTC()}
	}
	snapInTx := snap && r.snapInTx
	write := func(ctx context.Context) error {
		if err := r.store.Append(ctx, root.ID, r.cfg.aggregateType, expected, envs); err != nil {
			return err
		}
		if r.cfg.outbox != nil {
			if err := r.cfg.outbox.EnqueueEvents(ctx, envs); err != nil {
				return fmt.Errorf("outbox: %w", err)
			}
		}
		if snapInTx {
			if err := r.cfg.snapshots.Save(ctx, snapshot); err != nil {
				return fmt.Errorf("snapshot: %w", err)
			}
		}
		return nil
	}
	if r.cfg.tx != nil && (r.cfg.outbox != nil || snapInTx) {
		err = r.cfg.tx.InTx(ctx, write)
	} else {
		err = write(ctx)
	}
	if err != nil {
		return fmt.Errorf("save %s %q: %w", r.cfg.aggregateType, root.ID, err)
	}
	root.MarkCommitted()
	if snap && !snapInTx {
		if err := r.cfg.snapshots.Save(ctx, snapshot); err != nil {
			r.cfg.logger.ErrorContext(ctx, "eventsourcing: snapshot not saved; the events are saved and the next crossing will try again",
				"aggregate_type", r.cfg.aggregateType, "aggregate_id", root.ID, "sequence", root.Version, "error", err)
		}
	}
	return nil
}

// envelopes wraps pending events, with the context's metadata and tenant.
func (r *Repository[A]) envelopes(ctx context.Context, pending []any) ([]Envelope, error) {
	md, _ := ctx.Value(ctxMetadata).(map[string]any) // read only: each envelope gets its own copy
	tenant := TenantIDFrom(ctx)
	envs := make([]Envelope, len(pending))
	for i, ev := range pending {
		e, err := NewEnvelope(ev)
		if err != nil {
			return nil, fmt.Errorf("save %s: pending event %d: %w", r.cfg.aggregateType, i, err)
		}
		if len(md) > 0 {
			e.Metadata = cloneMap(md)
		}
		e.TenantID = tenant
		envs[i] = e
	}
	return envs, nil
}

func (r *Repository[A]) newAggregate() (A, error) {
	agg := r.factory()
	if isNil(agg) {
		var zero A
		return zero, errors.New("eventsourcing: the repository's factory returned nil")
	}
	agg.root().self = agg
	return agg, nil
}
