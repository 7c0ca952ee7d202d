package bunstore

import (
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// Membership is a projection.Membership on PostgreSQL or SQLite, in the table pyfly_members: a
// row per member of a group with the time its heartbeat expires, by the database's clock (on
// PostgreSQL, the server's; on SQLite, the machine's), so processes with skewed clocks agree on
// who is live. Each heartbeat also deletes the group's expired rows. It never joins a transaction
// in the context.
type Membership struct {
	db *bun.DB
	dl sqlDialect
	q  membershipSQL
}

var _ projection.Membership = (*Membership)(nil)

// NewMembership returns a membership on db (pgdialect or sqlitedialect). It does no I/O: run
// [Prepare] (or [Migrate]) before the first call.
func NewMembership(db *bun.DB) (*Membership, error) {
	dl, err := dialectOf(db)
	if err != nil {
		return nil, err
	}
	return &Membership{db: db, dl: dl, q: dl.membershipSQL()}, nil
}

// Heartbeat implements projection.Membership.
func (m *Membership) Heartbeat(ctx context.Context, group, member string, ttl time.Duration) ([]string, error) {
	if err := storekit.ValidateMember(group, member, ttl); err != nil {
		return nil, err
	}
	if _, err := m.db.DB.ExecContext(ctx, m.q.beat, group, member, m.dl.ttlArg(ttl)); err != nil {
		return nil, wrapErr(ctx, "beat membership", memberTable, err)
	}
	if _, err := m.db.DB.ExecContext(ctx, m.q.purge, group); err != nil {
		return nil, wrapErr(ctx, "purge membership", memberTable, err)
	}
	rows, err := m.db.DB.QueryContext(ctx, m.q.live, group)
	if err != nil {
		return nil, wrapErr(ctx, "read membership", memberTable, err)
	}
	defer rows.Close()
	var live []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, wrapErr(ctx, "read membership", memberTable, err)
		}
		live = append(live, name)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, "read membership", memberTable, err)
	}
	slices.Sort(live) // the same order on every dialect and collation
	return live, nil
}

// Leave implements projection.Membership.
func (m *Membership) Leave(ctx context.Context, group, member string) error {
	if err := storekit.ValidateMember(group, member, projection.MinLeaseTTL); err != nil {
		return err
	}
	if _, err := m.db.DB.ExecContext(ctx, m.q.leave, group, member); err != nil {
		return wrapErr(ctx, "leave membership", memberTable, err)
	}
	return nil
}
