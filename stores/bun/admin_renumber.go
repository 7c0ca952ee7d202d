package bunstore

import (
	"context"
	"errors"
	"fmt"
)

// Renumbered is what [Admin.Renumber] did.
type Renumbered struct {
	// Needed is false when no stored position lay ahead of the server's transaction ids:
	// nothing was changed.
	Needed bool
	// Events counts the events renumbered, now at positions 1 to Events in their former order.
	Events int64
	// OldFirst and OldLast are the positions the first and the last event had.
	OldFirst, OldLast int64
	// Checkpoints, DeadLetters and OutboxRecords count the rows whose position was moved with
	// the events.
	Checkpoints, DeadLetters, OutboxRecords int64
}

// Renumber repairs a PostgreSQL database restored from a dump into another server (or a new
// cluster), whose stored global positions lie ahead of the server's transaction ids ([Prepare]
// refuses it with [ErrPositionsAhead]): in one transaction it gives the events the positions 1,
// 2, 3… in their stored order, and moves with them the projections' checkpoints (a checkpoint
// goes to the new position of the last event at or before it), their dead letters and the
// outbox's records, so the application starts without advancing the server's transaction ids
// (pg_resetwal -x). A database whose positions are not ahead is left as it is
// (Renumbered.Needed is false).
//
// Stop the application first: Renumber locks the tables against writes and refuses while
// another transaction of the server holds an older transaction id, whose appends would land
// among the renumbered positions. Readers' cursors kept outside the checkpoint table (a consumer
// that stored global positions) no longer match: restart them from a checkpoint or from 0. The
// checkpoints must live in the events' database ([WithCheckpointDB] with another database is
// refused). On SQLite, whose positions need no server state, it returns an error matching
// errors.ErrUnsupported.
func (a *Admin) Renumber(ctx context.Context) (Renumbered, error) {
	if a.edl.name() != DialectPostgres {
		return Renumbered{}, fmt.Errorf("bunstore: renumber: SQLite positions do not depend on the server: %w", errors.ErrUnsupported)
	}
	if a.cps.db != a.events.db {
		return Renumbered{}, errors.New("bunstore: renumber: the projections' checkpoints live in another database than the events, " +
			"so they cannot move in the same transaction; renumber needs them together")
	}
	var r Renumbered
	err := InTx(ctx, a.events.db, func(ctx context.Context) error {
		var err error
		r, err = pgRenumber(ctx, reader(ctx, a.events.db))
		return err
	})
	return r, err
}
