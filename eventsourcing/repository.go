package eventsourcing

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/jsoncopy"
	"github.com/gofly/eventsourcing/internal/unwrap"
)

// Repository saves and loads aggregates of type A through an [EventStore], with optional
// snapshots, transactions and outbox.
type Repository[A Aggregate] struct {
	store   EventStore
	factory func() A
	cfg     repoConfig
	ends    TxEndNotifier // tells a Save in the caller's transaction how that ended; nil when the store cannot
	// endsJoin, when ends says so, tells whether a context carries a transaction ends can report
	// on: without one, Save registers nothing.
	endsJoin TxJoiner
	// snapJoinDeclared: the snapshot store says whether it joins a transaction (see save).
	snapJoinDeclared bool
	// snapFields are the fields a snapshot load resets (with snapshots and without the
	// aggregate's own decoding).
	snapFields snapshotFields
}

// NewRepository returns a repository over store that builds empty aggregates with factory.
//
// It builds one aggregate to check its definition: a factory that returns nil (or an aggregate
// that embeds a nil *AggregateRoot instead of AggregateRoot by value), handlers that
// [AggregateRoot.Apply] would refuse ([ErrInvalidHandler]), or (with snapshots) state that a JSON
// snapshot would lose are reported here rather than on the first save. [WithOutbox] needs a
// store that runs transactions (see [Transactor]).
func NewRepository[A Aggregate](store EventStore, factory func() A, opts ...RepositoryOption) (*Repository[A], error) {
	if check.IsNil(store) {
		return nil, invalidArg("NewRepository: the event store must not be nil")
	}
	if factory == nil {
		return nil, invalidArg("NewRepository: the factory must not be nil")
	}
	r := &Repository[A]{store: store, factory: factory}
	if err := r.cfg.apply(opts); err != nil {
		return nil, err
	}
	if r.cfg.aggregateType == "" {
		r.cfg.aggregateType = typeNameOf(reflect.TypeFor[A]())
	}
	if r.cfg.tx == nil {
		r.cfg.tx = transactorOf(store)
	}
	r.ends = txEndsOf(r.cfg.tx, store)
	r.endsJoin, _ = r.ends.(TxJoiner)
	if r.cfg.outbox != nil && r.cfg.tx == nil {
		return nil, invalidArg("NewRepository: WithOutbox needs an event store that runs transactions, so that events and "+
			"outbox records commit together; %T has no InTx method (a decorator can forward InTx, offer Unwrap() EventStore, "+
			"or the repository can be given WithTransactor)", store)
	}
	probe, err := r.newAggregate()
	if err != nil {
		return nil, err
	}
	if err := probe.root().definitionError(); err != nil {
		return nil, err
	}
	if r.cfg.snapshots != nil {
		var lossy *lossyStateError
		err := checkSnapshotable(probe, !r.cfg.snapOptional)
		switch {
		case err != nil && (!r.cfg.snapOptional || !errors.As(err, &lossy)):
			return nil, err
		case err != nil:
			r.cfg.logger.Warn("eventsourcing: this repository takes no snapshots: "+err.Error(), "aggregate_type", r.cfg.aggregateType)
			r.cfg.snapshots = nil
		}
	}
	if r.cfg.snapshots != nil {
		_, r.snapJoinDeclared = r.cfg.snapshots.(TxJoiner)
		r.snapFields = snapshotFieldsOf(probe)
	}
	return r, nil
}

// txEndsOf finds what tells the end of tx's transactions: tx itself, else the store (looking
// through decorators that offer Unwrap() EventStore); nil when neither can.
func txEndsOf(tx Transactor, store EventStore) TxEndNotifier {
	if tx == nil {
		return nil
	}
	if n, ok := tx.(TxEndNotifier); ok {
		return n
	}
	n, _ := unwrap.Find[TxEndNotifier](store)
	return n
}

// transactorOf finds the transaction runner of a store, looking through decorators that offer
// Unwrap() EventStore.
func transactorOf(store EventStore) Transactor {
	t, _ := unwrap.Find[Transactor](store)
	return t
}

// AggregateType is the type name written to envelopes and checked on load.
func (r *Repository[A]) AggregateType() string { return r.cfg.aggregateType }

func (r *Repository[A]) newAggregate() (A, error) {
	agg := r.factory()
	var zero A
	if check.IsNil(agg) {
		return zero, invalidArg("the repository's factory returned nil; it must return a new aggregate")
	}
	root := rootOf(agg)
	if root == nil {
		return zero, errNilRoot(fmt.Sprintf("the repository's factory returned a %T", agg))
	}
	root.self = agg
	return agg, nil
}

// Save appends agg's pending events with expected version Version − len(pending), then marks
// them committed. On failure they stay pending. A save that crosses a multiple of the snapshot
// interval also stores a snapshot: in the events' transaction when the snapshot store joins it,
// else after the commit (a failure then is logged, not returned: the events are durable). With
// [WithOutbox], the events are enqueued in the same transaction as the append.
//
// A *ConcurrencyError means another writer got there first: load the aggregate again and run the
// command on the fresh state. An error wrapping [ErrOutcomeUnknown] means the append may or may not
// have committed (a cancelled context, a connection lost while committing): calling Save again
// with the same aggregate is safe, because the events keep their ids and the store recognises
// events it already holds. After an error that proves nothing was stored ([ErrInvalidArgument],
// [ErrConcurrency]) the next Save builds the envelopes anew, with its own context's metadata
// and tenant.
//
// Inside a transaction of the caller's ([Transactor]), the saved events count as committed
// when Save returns (a second Save appends after them), but they are stored only if that
// transaction commits: if it does not, they are pending again, in order and with the same event
// ids, so a later Save stores them once; a snapshot whose store does not join the transaction is
// saved after its commit, never after a rollback. The store must tell when its transactions end
// ([TxEndNotifier]; every store of this module does). Each event's OccurredAt, and the time in
// its EventID, is when it was applied.
//
// Snapshots are an optimisation: state that does not encode (MarshalSnapshot's error, a NaN, a
// value of an interface field that JSON cannot write) is logged and the events are saved without
// a snapshot.
func (r *Repository[A]) Save(ctx context.Context, agg A) error {
	root, expected, err := r.pending(agg)
	if err != nil || root == nil {
		return err
	}
	if r.cfg.observer == nil {
		return r.save(ctx, agg, root, expected)
	}
	op := Op{Kind: OpSave, System: SystemOf(r.store), AggregateType: r.cfg.aggregateType, AggregateID: root.ID,
		Events: len(root.pending), After: expected}
	return observeWrite(ctx, r.cfg.observer, op, func(ctx context.Context) error { return r.save(ctx, agg, root, expected) })
}

// save is Save of the pending events of root, agg's, at expected.
func (r *Repository[A]) save(ctx context.Context, agg A, root *AggregateRoot, expected int64) error {
	// The envelopes are built once per pending event and kept while the events may have been
	// stored, so a retry after an unknown outcome appends the same event ids.
	if n := len(root.saved); n < len(root.pending) {
		more, err := r.envelopes(ctx, root.pending[n:], root.applied[n:])
		if err != nil {
			return err
		}
		root.saved = append(root.saved, more...)
	}
	snap, snapErr := r.snapshotFor(agg, root, expected)
	snapshotLater, err := r.write(ctx, root.ID, expected, root.saved, snap)
	if err != nil {
		if refused(err) {
			root.saved = nil // nothing was stored: the next Save builds them from its own context
		}
		return fmt.Errorf("save %s %q: %w", r.cfg.aggregateType, root.ID, err)
	}
	events, applied, envs := root.pending, root.applied, root.saved
	root.MarkCommitted()
	if snapErr != nil {
		r.cfg.logger.ErrorContext(ctx, "eventsourcing: snapshot not taken, its state does not encode; the events are saved and the next crossing will try again",
			"aggregate_type", r.cfg.aggregateType, "aggregate_id", root.ID, "sequence", root.Version, "error", snapErr)
	}
	// In a transaction of the caller's, the events are stored only if it commits: until then
	// they count as committed (a second Save in the transaction appends after them); a rollback
	// makes them pending again, and a snapshot store that says it does not join the transaction
	// saves after that commit. One that does not say (a decorator without JoinsTx) saves now,
	// through ctx: into the transaction when the store it wraps joins it.
	declared := r.snapJoinDeclared
	if r.ends != nil && (r.endsJoin == nil || r.endsJoin.JoinsTx(ctx)) && r.ends.OnTxEnd(ctx, func(committed bool) {
		switch {
		case !committed:
			root.uncommit(events, applied, envs)
		case snapshotLater && declared:
			r.saveSnapshotAfterCommit(ctx, snap)
		}
	}) {
		if snapshotLater && !declared {
			r.saveSnapshotAfterCommit(ctx, snap)
		}
		return nil
	}
	if snapshotLater {
		r.saveSnapshotAfterCommit(ctx, snap)
	}
	return nil
}

// refused reports whether err, an append's, proves that nothing was stored: the store refused
// the input or the expected version. Any other error (ErrOutcomeUnknown, a context's error, a
// lost connection) may follow a commit.
func refused(err error) bool {
	return !errors.Is(err, ErrOutcomeUnknown) && (errors.Is(err, ErrInvalidArgument) || errors.Is(err, ErrConcurrency))
}

// pending checks agg and returns its root and the expected version of its pending events; a nil
// root means there is nothing to save.
func (r *Repository[A]) pending(agg A) (*AggregateRoot, int64, error) {
	if check.IsNil(agg) {
		return nil, 0, invalidArg("Save: the aggregate must not be nil")
	}
	root := rootOf(agg)
	if root == nil {
		return nil, 0, errNilRoot("Save")
	}
	if root.self == nil {
		root.self = agg
	}
	if len(root.pending) == 0 {
		return nil, 0, nil
	}
	if err := check.TextArg("Save: aggregate id", root.ID, MaxIDBytes, true); err != nil {
		return nil, 0, err
	}
	expected := root.Version - int64(len(root.pending))
	if expected < 0 {
		return nil, 0, invalidArg("Save: %s %q has version %d but %d pending events", r.cfg.aggregateType, root.ID, root.Version, len(root.pending))
	}
	return root, expected, nil
}

// envelopes wraps pending events, applied at the times applied gives (the root keeps one per
// pending event), with the context's metadata and tenant.
func (r *Repository[A]) envelopes(ctx context.Context, pending []any, applied []time.Time) ([]Envelope, error) {
	md, _ := ctx.Value(ctxMetadata).(map[string]any) // read only: each envelope gets its own copy
	tenant := TenantIDFrom(ctx)
	envs := make([]Envelope, len(pending))
	for i, ev := range pending {
		e, err := newEnvelopeAt(ev, applied[i])
		if err != nil {
			return nil, fmt.Errorf("save %s: pending event %d: %w", r.cfg.aggregateType, i, err)
		}
		if len(md) > 0 {
			e.Metadata = jsoncopy.Map(md)
		}
		e.TenantID = tenant
		envs[i] = e
	}
	return envs, nil
}

// snapshotFor returns the snapshot this save takes, or nil when it crosses no interval boundary
// or the state does not encode (the error says why; the save goes on without a snapshot).
func (r *Repository[A]) snapshotFor(agg A, root *AggregateRoot, expected int64) (*Snapshot, error) {
	if r.cfg.snapshots == nil || root.Version/r.cfg.interval <= expected/r.cfg.interval {
		return nil, nil
	}
	payload, err := marshalSnapshot(agg)
	if err != nil {
		return nil, fmt.Errorf("snapshot of %s %q: %w", r.cfg.aggregateType, root.ID, err)
	}
	return &Snapshot{AggregateID: root.ID, AggregateType: r.cfg.aggregateType, Sequence: root.Version, Payload: payload, CreatedAt: time.Now().UTC()}, nil
}

// write appends envs and, in the same transaction when there is one to share, enqueues them in the
// outbox and saves snap. It reports whether snap still has to be saved after the commit.
func (r *Repository[A]) write(ctx context.Context, id string, expected int64, envs []Envelope, snap *Snapshot) (snapshotLater bool, err error) {
	if r.cfg.tx == nil || (r.cfg.outbox == nil && snap == nil) {
		return snap != nil, r.store.Append(ctx, id, r.cfg.aggregateType, expected, envs)
	}
	err = r.cfg.tx.InTx(ctx, func(ctx context.Context) error {
		snapshotLater = false
		appendCtx, written := r.recordsWithAppend(ctx, envs)
		if err := r.store.Append(appendCtx, id, r.cfg.aggregateType, expected, envs); err != nil {
			return err
		}
		if !written() {
			if err := r.enqueue(ctx, envs); err != nil {
				return err
			}
		}
		if snap == nil {
			return nil
		}
		if !joins(r.cfg.snapshots, ctx) {
			snapshotLater = true
			return nil
		}
		if err := r.cfg.snapshots.Save(ctx, *snap); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		return nil
	})
	return snapshotLater, err
}

// appendEnqueuer is what an outbox may offer (outbox.Outbox does) so that the event store writes
// the outbox records of envs in their append's own statement: ctx for the append, and whether it
// did.
type appendEnqueuer interface {
	EnqueueWithAppend(ctx context.Context, envs []Envelope) (context.Context, func() bool)
}

// recordsWithAppend asks the outbox, when it can, to have the append of envs write their records;
// written reports after the append whether it did (else they are enqueued as usual).
func (r *Repository[A]) recordsWithAppend(ctx context.Context, envs []Envelope) (appendCtx context.Context, written func() bool) {
	if a, ok := r.cfg.outbox.(appendEnqueuer); ok {
		return a.EnqueueWithAppend(ctx, envs)
	}
	return ctx, func() bool { return false }
}

// enqueue hands envs to the outbox inside the append's transaction.
func (r *Repository[A]) enqueue(ctx context.Context, envs []Envelope) error {
	if r.cfg.outbox == nil {
		return nil
	}
	if j, ok := r.cfg.outbox.(TxJoiner); ok && !j.JoinsTx(ctx) {
		return fmt.Errorf("outbox: %T does not write through the event store's transaction, so its records could "+
			"outlive rolled-back events; put the outbox on the event store's database", r.cfg.outbox)
	}
	if err := r.cfg.outbox.EnqueueEvents(ctx, envs); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// joins reports whether v writes through the transaction ctx carries.
func joins(v any, ctx context.Context) bool {
	j, ok := v.(TxJoiner)
	return ok && j.JoinsTx(ctx)
}

// saveSnapshotAfterCommit saves snap once the events are durable; a failure is logged, and the
// next crossing tries again.
func (r *Repository[A]) saveSnapshotAfterCommit(ctx context.Context, snap *Snapshot) {
	if err := r.cfg.snapshots.Save(ctx, *snap); err != nil {
		r.cfg.logger.ErrorContext(ctx, "eventsourcing: snapshot not saved; the events are saved and the next crossing will try again",
			"aggregate_type", r.cfg.aggregateType, "aggregate_id", snap.AggregateID, "sequence", snap.Sequence, "error", err)
	}
}
