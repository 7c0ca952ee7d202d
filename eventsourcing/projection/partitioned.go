package projection

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/errs"
)

// WithPartitions splits the projection into n partitions (1 to [MaxPartitions]; default 1, not
// split): the events of an aggregate belong to partition [PartitionOf](aggregate id, n), and each
// partition is applied by a runner of its own, with its own checkpoint, lease and dead letters
// named [PartitionName] (orders_view#0/4), in aggregate order. With a [Balancer] the partitions
// spread across processes like projections; with a transactional checkpoint store each
// partition applies each of its events exactly once. A partition reads only its own events
// where the event store can filter them in the database ([PartitionReader]); elsewhere it reads
// the whole stream and passes the others' events over. The handler is called from n goroutines
// at once: it must be safe for that. A runner refuses to start on checkpoints stored with
// another number of partitions (*[PartitionsChangedError]) until [Runner.Reset] clears them.
func WithPartitions(n int) Option {
	return option("WithPartitions", "Partitions", partitionsProblem(n), func(c *Config) { c.Partitions = n })
}

func partitionsProblem(n int) string {
	if n < 1 || n > MaxPartitions {
		return fmt.Sprintf("must be from 1 to %d, got %d", MaxPartitions, n)
	}
	return ""
}

// newPartitioned returns the runner of p split into cfg.partitions partitions: a runner per
// partition, which the returned one starts, stops and sums up.
func newPartitioned(p Projection, name string, store es.EventStore, cfg config) (*Runner, error) {
	n := cfg.partitions
	r := &Runner{p: p, name: name, base: name, version: DefaultVersion, store: store, cfg: cfg, log: cfg.logger.With(slog.String("projection", name)),
		resetSignal: make(chan struct{}, 1)}
	if tx, ok := cfg.checkpoints.(es.Transactor); ok {
		r.tx = tx
	}
	for i := range n {
		pc := cfg
		pc.partitions = 1
		pc.owner = cfg.owner + "#" + strconv.Itoa(i)
		if err := check.Text(pc.owner, MaxNameBytes, true); err != "" {
			return nil, errs.Invalid("projection %q: the owner of partition %d, %q: %s", name, i, pc.owner, err)
		}
		part, err := newRunner(&partitionProjection{p: p, name: PartitionName(name, i, n)}, PartitionName(name, i, n),
			&partitionStore{EventStore: store, i: i, n: n}, pc)
		if err != nil {
			return nil, err
		}
		part.part = true
		r.parts = append(r.parts, part)
	}
	return r, nil
}

// checkLayout refuses to run on checkpoints stored with another number of partitions.
func (r *Runner) checkLayout(ctx context.Context) error {
	if r.part {
		return nil
	}
	return checkPartitions(ctx, r.cfg.checkpoints, r.name, max(len(r.parts), 1))
}

// startParts starts every partition's runner; a failure stops those already started.
func (r *Runner) startParts(ctx context.Context) error {
	if err := r.checkLayout(ctx); err != nil {
		return err
	}
	for i, p := range r.parts {
		if err := p.Start(ctx); err != nil {
			for _, started := range r.parts[:i] {
				_ = started.Stop(ctx)
			}
			return err
		}
	}
	return nil
}

// runParts runs every partition's runner until ctx ends or Stop is called.
func (r *Runner) runParts(ctx context.Context) error {
	if err := r.checkLayout(ctx); err != nil {
		return err
	}
	errc := make(chan error, len(r.parts))
	var wg sync.WaitGroup
	for _, p := range r.parts {
		wg.Go(func() { errc <- p.Run(ctx) })
	}
	wg.Wait()
	close(errc)
	var all []error
	for err := range errc {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// stopParts stops every partition's runner.
func (r *Runner) stopParts(ctx context.Context) error {
	var all []error
	for _, p := range r.parts {
		all = append(all, p.Stop(ctx))
	}
	return errors.Join(all...)
}

// resetCheckpoints sets the checkpoint (every partition's) to position and deletes those stored
// with another number of partitions, in one transaction of the checkpoint store when it runs them.
func (r *Runner) resetCheckpoints(ctx context.Context, position int64) error {
	reset := func(ctx context.Context) error {
		if err := deleteForeign(ctx, r.cfg.checkpoints, r.name, max(len(r.parts), 1)); err != nil {
			return err
		}
		if r.parts == nil {
			return r.resetTo(ctx, position) // a versioned runner's live-from position too
		}
		for _, p := range r.parts {
			if err := r.cfg.checkpoints.Reset(ctx, p.name, position); err != nil {
				return err
			}
		}
		return nil
	}
	if r.parts != nil && r.tx != nil {
		return r.tx.InTx(ctx, reset)
	}
	return reset(ctx)
}

// partsStatus sums up the partitions' Status (see [Status.Partitions]).
func (r *Runner) partsStatus(ctx context.Context) (Status, error) {
	st := Status{Name: r.name, Partitions: make([]Status, 0, len(r.parts))}
	for i, p := range r.parts {
		ps, err := p.Status(ctx)
		if err != nil {
			return st, err
		}
		st.Partitions = append(st.Partitions, ps)
		st.Running = st.Running || ps.Running
		st.Active = st.Active || ps.Active
		st.HeldAtHorizon = st.HeldAtHorizon || ps.HeldAtHorizon
		st.DeadLetters += ps.DeadLetters
		st.LastPosition, st.HeadPosition = max(st.LastPosition, ps.LastPosition), max(st.HeadPosition, ps.HeadPosition)
		st.Lag = max(st.Lag, ps.Lag)
		if i == 0 || ps.Position < st.Position {
			st.Position = ps.Position
		}
		if ps.FailingPosition != 0 && st.FailingPosition == 0 {
			st.FailingPosition, st.Attempts = ps.FailingPosition, ps.Attempts
		}
		if ps.LastError != nil && ps.LastErrorAt.After(st.LastErrorAt) {
			st.LastError, st.LastErrorAt = ps.LastError, ps.LastErrorAt
		}
	}
	return st, nil
}

// partsDeadLetters lists the partitions' parked events by position.
func (r *Runner) partsDeadLetters(ctx context.Context, after int64, limit int) ([]DeadLetter, error) {
	var out []DeadLetter
	for _, p := range r.parts {
		ds, err := p.DeadLetters(ctx, after, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	slices.SortFunc(out, func(a, b DeadLetter) int { return cmp.Compare(a.Event.GlobalPosition, b.Event.GlobalPosition) })
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Partitions returns the runners of the projection's partitions, in partition order, when it is
// split ([WithPartitions]); nil otherwise.
func (r *Runner) Partitions() []*Runner {
	return slices.Clone(r.parts)
}

// PartitionedProjection is implemented by a projection that says how many partitions it is split
// into: the Fx module runs it with [WithPartitions](Partitions()), over the partitions key
// (pyfly.eventsourcing.projection.partitions) that the others follow.
type PartitionedProjection interface {
	Projection
	// Partitions is the projection's number of partitions, 1 to [MaxPartitions].
	Partitions() int
}

// OwnOptions returns opts followed by the options p asks for itself: [WithPartitions] when p is
// a [PartitionedProjection].
func OwnOptions(p Projection, opts []Option) []Option {
	if pp, ok := p.(PartitionedProjection); ok {
		return append(slices.Clip(opts), WithPartitions(pp.Partitions()))
	}
	return opts
}
