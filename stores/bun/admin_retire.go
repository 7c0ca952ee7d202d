package bunstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
)

// Retired is what [Admin.RetireProjection] removed of a projection's version.
type Retired struct {
	// Checkpoint is the version's checkpoint key (projection.CheckpointName) and Position where
	// it was; HadCheckpoint is false when it had none (only dead letters).
	Checkpoint    string
	Position      int64
	HadCheckpoint bool
	// DeadLetters counts the version's dead letters deleted.
	DeadLetters int64
}

// retireSQL are the deletes of a retirement, written with $N placeholders ("?N" on SQLite).
var retireSQL = struct{ records, deadLetters, lease string }{
	records:     `DELETE FROM pyfly_projection_checkpoints WHERE projection = $1 OR projection = $2`,
	deadLetters: `DELETE FROM pyfly_projection_dead_letters WHERE projection = $1`,
	lease:       `DELETE FROM pyfly_locks WHERE name = $1`,
}

// RetireProjection deletes what version of the projection named name keeps: its checkpoint,
// its live-from record, its dead letters and its lease, in one transaction, and returns what it
// removed. It refuses the active version (an error matching inspect.ErrActiveVersion: a version
// is retired once another took over from it; see projection.WithVersion) and, unless force, a
// version whose lease a runner holds (an *inspect.LeaseHeldError). A version with neither a
// checkpoint nor a dead letter is inspect.ErrNotFound.
func (a *Admin) RetireProjection(ctx context.Context, name string, version int, force bool) (Retired, error) {
	if version < 1 || version > projection.MaxVersion {
		return Retired{}, storekit.InvalidArgument("retire projection %q: version must be from 1 to %d, got %d", check.Clip(name, 300), projection.MaxVersion, version)
	}
	key := projection.CheckpointName(name, version)
	if err := storekit.ValidateCheckpointName(key); err != nil {
		return Retired{}, err
	}
	out := Retired{Checkpoint: key}
	shown := check.Clip(name, 300)
	err := InTx(ctx, a.cps.db, func(ctx context.Context) error {
		active, ok, err := a.cps.Position(ctx, projection.ActiveRecordName(name))
		if err != nil {
			return err
		}
		if !ok {
			active = projection.DefaultVersion
		}
		if int64(version) == active {
			return fmt.Errorf("%w: projection %q: version %d is the active one; retire a version another took over from", inspect.ErrActiveVersion, shown, version)
		}
		q := reader(ctx, a.cps.db)
		if err := q.QueryRowContext(ctx, a.cq.checkpointForReset, key).Scan(&out.Position); err == nil {
			out.HadCheckpoint = true
		} else if !errNoRows(err) {
			return wrapErr(ctx, "retire projection", checkpointTable, err)
		}
		if err := a.leaseFree(ctx, q, "retire projection", key, force); err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, a.retireQuery(retireSQL.deadLetters), key)
		if err == nil {
			out.DeadLetters, err = res.RowsAffected()
		}
		if err != nil {
			return wrapErr(ctx, "retire projection", deadLetterTable, err)
		}
		if !out.HadCheckpoint && out.DeadLetters == 0 {
			return fmt.Errorf("%w: projection %q has no version %d (no checkpoint %q, no dead letter)", inspect.ErrNotFound, shown, version, check.Clip(key, 300))
		}
		if _, err := q.ExecContext(ctx, a.retireQuery(retireSQL.records), key, projection.LiveRecordName(name, version)); err != nil {
			return wrapErr(ctx, "retire projection", checkpointTable, err)
		}
		if _, err := q.ExecContext(ctx, a.retireQuery(retireSQL.lease), leasePrefix+key); err != nil {
			return wrapErr(ctx, "retire projection", leaseTable, err)
		}
		return nil
	})
	if err != nil {
		return Retired{}, err
	}
	return out, nil
}

// retireQuery writes q's placeholders for the checkpoints' dialect.
func (a *Admin) retireQuery(q string) string {
	if a.cps.dl.name() == DialectSQLite {
		return strings.ReplaceAll(q, "$", "?")
	}
	return q
}
