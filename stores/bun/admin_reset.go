package bunstore

import (
	"context"
	"fmt"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
)

// ResetProjection moves the projection's checkpoint back to position (0: the start of the
// stream), as projection.Runner.Reset does from another process, and returns where it was.
// position must be 0 or a position on the stream at or before the checkpoint
// (es.ErrInvalidArgument otherwise: moving a checkpoint forward would skip events); a projection
// without a checkpoint is inspect.ErrNotFound.
//
// While a runner holds the projection's lease it refuses with an *inspect.LeaseHeldError, unless
// force: a running runner then notices the move and goes on from the new position (the move of
// its batch in flight finds the checkpoint elsewhere, or, caught up, it compares the checkpoint
// with its own), so it applies the events after position again; clear its read model first when
// replaying would apply events twice. Of a versioned projection (projection.WithVersion), the
// version's live-from position moves to the newest position: its handler replays the events up
// to there (projection.IsReplay). On PostgreSQL the reset also wakes the runners that wait for
// commits.
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
		if err := q.QueryRowContext(ctx, a.cq.checkpointForReset, name).Scan(&from); err != nil {
			if errNoRows(err) {
				return fmt.Errorf("%w: projection %q has no checkpoint", inspect.ErrNotFound, check.Clip(name, 300))
			}
			return wrapErr(ctx, "reset projection", checkpointTable, err)
		}
		if position > from {
			return storekit.InvalidArgument("reset projection %q: position %d is after its checkpoint %d: a reset moves a checkpoint back, never past events it has not applied",
				check.Clip(name, 300), position, from)
		}
		if err := a.leaseFree(ctx, q, "reset projection", name, force); err != nil {
			return err
		}
		if err := a.cps.Reset(ctx, name, position); err != nil {
			return err
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
