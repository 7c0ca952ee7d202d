package bunstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
)

// ResetProjection moves the projection's checkpoint back to position (0: the start of the
// stream), as projection.Runner.Reset does from another process, and returns where it was.
// position must be 0 or a position on the stream at or before the checkpoint
// (es.ErrInvalidArgument otherwise: moving a checkpoint forward would skip events); a projection
// without a checkpoint is inspect.ErrNotFound. A partitioned projection (projection.WithPartitions)
// named without a partition ("orders_view", not "orders_view#0/4") moves every partition's
// checkpoint, in one transaction: position must then be at or before each of them, and the
// position returned is the lowest.
//
// While a runner holds the projection's lease (a partition's, for a partitioned one) it refuses
// with an *inspect.LeaseHeldError, unless force: a running runner then notices the move and goes
// on from the new position (the move of its batch in flight finds the checkpoint elsewhere, or,
// caught up, it compares the checkpoint with its own), so it applies the events after position
// again; clear its read model first when replaying would apply events twice. Of a versioned
// projection (projection.WithVersion), the version's live-from position moves to the newest
// position: its handler replays the events up to there (projection.IsReplay). On PostgreSQL the
// reset also wakes the runners that wait for commits.
func (a *Admin) ResetProjection(ctx context.Context, name string, position int64, force bool) (int64, error) {
	if err := storekit.ValidateCheckpoint(name, position, 0); err != nil {
		return 0, err
	}
	if position > 0 {
		var exists bool
		if err := a.events.db.DB.QueryRowContext(ctx, a.events.q.positionExists, position).Scan(&exists); err != nil {
			return 0, wrapErr(ctx, "reset projection", eventTable, err)
		}
		if !exists {
			return 0, storekit.InvalidArgument("reset projection %q: position %d is not on the stream: give 0 or the position of an event", check.Clip(name, 300), position)
		}
	}
	var from int64
	err := InTx(ctx, a.cps.db, func(ctx context.Context) error {
		q := reader(ctx, a.cps.db)
		keys, froms, err := a.checkpointsToReset(ctx, q, name)
		if err != nil {
			return err
		}
		from = slices.Min(froms)
		for i, key := range keys {
			if position > froms[i] {
				return storekit.InvalidArgument("reset projection %q: position %d is after its checkpoint %d: a reset moves a checkpoint back, never past events it has not applied",
					check.Clip(key, 300), position, froms[i])
			}
			if err := a.leaseFree(ctx, q, "reset projection", key, force); err != nil {
				return err
			}
		}
		for _, key := range keys {
			if err := a.cps.Reset(ctx, key, position); err != nil {
				return err
			}
		}
		return a.replayUpTo(ctx, name, position)
	})
	if err != nil {
		return 0, err
	}
	if a.edl.name() == DialectPostgres {
		_ = a.edl.notify(ctx, a.events.db, eventsChannel) // a hint: runners also poll
	}
	return from, nil
}

// checkpointsToReset returns the checkpoints a reset of the projection named name moves, with
// their positions, locking their rows where the dialect can, in the transaction q runs in: its
// own, or when it has none its partitions' (every name#i/n stored); inspect.ErrNotFound when
// there are neither.
func (a *Admin) checkpointsToReset(ctx context.Context, q querier, name string) (found []string, froms []int64, err error) {
	// lock reads key's position, locking its row; false when it has none.
	lock := func(key string) (bool, error) {
		var at int64
		err := q.QueryRowContext(ctx, a.cq.checkpointForReset, key).Scan(&at)
		switch {
		case errNoRows(err):
			return false, nil
		case err != nil:
			return false, wrapErr(ctx, "reset projection", checkpointTable, err)
		}
		found, froms = append(found, key), append(froms, at)
		return true, nil
	}
	if ok, err := lock(name); ok || err != nil {
		return found, froms, err // its own checkpoint: not partitioned now
	}
	if len(name) < projection.MaxNameBytes {
		listed, err := a.cps.CheckpointNames(ctx, name+"#")
		if err != nil {
			return nil, nil, err
		}
		for _, c := range listed {
			if _, _, ok := projection.ParsePartitionName(name, c); ok {
				if _, err := lock(c); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	if len(found) == 0 {
		return nil, nil, fmt.Errorf("%w: projection %q has no checkpoint", inspect.ErrNotFound, check.Clip(name, 300))
	}
	return found, froms, nil
}

// replayUpTo moves the live-from record of the versioned projection whose checkpoint key is
// key, when it has one, to the newest position (at least position), in the transaction in ctx.
func (a *Admin) replayUpTo(ctx context.Context, key string, position int64) error {
	base, version, _ := projection.SplitCheckpointName(key)
	live := projection.LiveRecordName(base, version)
	if len(live) > projection.MaxNameBytes {
		return nil // a projection whose name leaves no room for the records is not versioned
	}
	if _, ok, err := a.cps.Position(ctx, live); err != nil || !ok {
		return err
	}
	head, err := a.events.LastPosition(ctx)
	if err != nil {
		return err
	}
	return a.cps.Reset(ctx, live, max(head, position))
}

// leaseFree checks, in the transaction q runs in, that no runner holds the lease of the
// projection whose checkpoint key is key (locking the lease's row where the dialect can): an
// *inspect.LeaseHeldError while one does, unless force.
func (a *Admin) leaseFree(ctx context.Context, q querier, action, key string, force bool) error {
	var (
		holder string
		until  dbTime
		live   bool
	)
	err := q.QueryRowContext(ctx, a.cq.leaseForReset, leasePrefix+key).Scan(&holder, &until, &live)
	switch {
	case errNoRows(err):
	case err != nil:
		return wrapErr(ctx, action, leaseTable, err)
	case live && !force:
		held := &inspect.LeaseHeldError{Projection: key, Holder: holder}
		held.ExpiresAt, _ = until.UTC()
		return held
	}
	return nil
}
