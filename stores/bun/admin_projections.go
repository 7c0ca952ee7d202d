package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
)

// leasePrefix names a projection's lease: the runner's lease is "pyfly.projection." + name.
const leasePrefix = "pyfly.projection."

// Projections implements inspect.Inspector: each projection with a checkpoint or a dead letter,
// by name, with its lease and dead letters from the projections' database and its lag from the
// events' (counted, so a long lag costs a scan of the events behind it).
func (a *Admin) Projections(ctx context.Context) ([]inspect.Projection, error) {
	rows, err := a.cps.db.DB.QueryContext(ctx, a.cq.projections)
	if err != nil {
		return nil, wrapErr(ctx, "list projections", checkpointTable, err)
	}
	var (
		out    []inspect.Projection
		leases []inspect.Lease
		expiry []time.Duration
	)
	for rows.Next() {
		p, l, expired, err := scanProjection(rows)
		if err != nil {
			rows.Close()
			return nil, wrapErr(ctx, "list projections", checkpointTable, err)
		}
		out, leases, expiry = append(out, p), append(leases, l), append(expiry, expired)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, wrapErr(ctx, "list projections", checkpointTable, err)
	}
	out, leases, expiry, recs := splitRecords(out, leases, expiry)
	if len(out) == 0 {
		return []inspect.Projection{}, nil
	}
	readable, err := a.events.LastPosition(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := a.behind(ctx, &out[i], readable); err != nil {
			return nil, err
		}
		p := &out[i]
		idle := p.ReadAt.Sub(p.UpdatedAt)
		if p.UpdatedAt.IsZero() {
			idle = math.MaxInt64
		}
		var waited time.Duration
		if readable > p.Position {
			waited = p.LagTime()
		}
		p.State = inspect.StateOf(leases[i], waited, idle, expiry[i], a.stall)
	}
	recs.Apply(out)
	return out, nil
}

// splitRecords takes the records of versions out of the rows of adminSQL.projections, with
// their leases and expiries.
func splitRecords(ps []inspect.Projection, leases []inspect.Lease, expiry []time.Duration) ([]inspect.Projection, []inspect.Lease, []time.Duration, storekit.VersionRecords) {
	kept, recs := storekit.SplitVersionRecords(ps)
	if len(kept) == len(ps) {
		return ps, leases, expiry, recs
	}
	ls, ex := make([]inspect.Lease, 0, len(kept)), make([]time.Duration, 0, len(kept))
	j := 0
	for i, p := range ps {
		if j < len(kept) && kept[j].Name == p.Name {
			ls, ex = append(ls, leases[i]), append(ex, expiry[i])
			j++
		}
	}
	return kept, ls, ex, recs
}

// scanProjection reads one row of adminSQL.projections.
func scanProjection(rows *sql.Rows) (inspect.Projection, inspect.Lease, time.Duration, error) {
	var (
		p                   inspect.Projection
		l                   inspect.Lease
		updated, until, now dbTime
		leaseName           sql.NullString
		live                bool
		expiredSecs         float64
	)
	if err := rows.Scan(&p.Name, &p.Position, &updated, &leaseName, &l.Holder, &until, &live, &expiredSecs,
		&p.DeadLetters, &now); err != nil {
		return p, l, 0, err
	}
	var err error
	if p.ReadAt, err = now.UTC(); err != nil {
		return p, l, 0, fmt.Errorf("the database's clock: %w", err)
	}
	if updated.kind != dbTimeNull {
		if p.UpdatedAt, err = updated.UTC(); err != nil {
			return p, l, 0, fmt.Errorf("projection %q: updated_at: %w", p.Name, err)
		}
	}
	l.Exists, l.Live = leaseName.Valid, live
	if l.Exists {
		if l.ExpiresAt, err = until.UTC(); err != nil {
			return p, l, 0, fmt.Errorf("projection %q: lock_until: %w", p.Name, err)
		}
	}
	if l.Holder != "" {
		p.LeaseHolder, p.LeaseExpiresAt = l.Holder, l.ExpiresAt
	}
	return p, l, time.Duration(expiredSecs * float64(time.Second)), nil
}

// behind fills p's lag from the events' database: the events after its position, the first
// one's time, and whether it waits at the read horizon (readable is the newest readable
// position).
func (a *Admin) behind(ctx context.Context, p *inspect.Projection, readable int64) error {
	var first dbTime
	if err := a.events.db.DB.QueryRowContext(ctx, a.eq.behind, p.Position).Scan(&p.Lag, &first); err != nil {
		return wrapErr(ctx, "measure the lag of projection "+fmt.Sprintf("%q", p.Name), eventTable, err)
	}
	if first.kind != dbTimeNull {
		at, err := first.UTC()
		if err != nil {
			return fmt.Errorf("bunstore: measure the lag of projection %q: recorded_at: %w", p.Name, err)
		}
		p.OldestWaitingAt = at
	}
	p.HeldAtHorizon = p.Lag > 0 && p.Position >= readable
	return nil
}

// Projection returns the projection named name as [Admin.Projections] lists it (of a versioned
// projection, its active version), or an error
// matching inspect.ErrNotFound.
func (a *Admin) Projection(ctx context.Context, name string) (inspect.Projection, error) {
	all, err := a.Projections(ctx)
	if err != nil {
		return inspect.Projection{}, err
	}
	var found *inspect.Projection
	for i, p := range all {
		if p.Name == name && (found == nil || p.Role == string(projection.RoleActive)) {
			found = &all[i]
		}
	}
	if found != nil {
		return *found, nil
	}
	return inspect.Projection{}, fmt.Errorf("%w: no projection named %q has a checkpoint or a dead letter", inspect.ErrNotFound, check.Clip(name, 300))
}

// errNoRows tells sql.ErrNoRows.
func errNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
