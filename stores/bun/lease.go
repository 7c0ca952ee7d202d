package bunstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// Lease is a projection.Lease on PostgreSQL or SQLite, in the table pyfly_locks: a row per name
// with its holder, its expiry and its fencing token, which grows by one per acquisition. Expiry
// is measured by the database's clock (on PostgreSQL, the server's; on SQLite, the machine's), so
// processes with skewed clocks agree. A process that dies holds nothing once its time to live has
// passed. It never joins a transaction in the context: a lease outlives batches.
type Lease struct {
	db *bun.DB
	dl sqlDialect
	q  leaseSQL
}

var _ projection.Lease = (*Lease)(nil)

// leasesDialect is what the lease needs from a dialect (postgres_lease.go, sqlite_lease.go).
type leasesDialect interface {
	leaseSQL() leaseSQL
	// ttlArg binds a time to live for the statements below.
	ttlArg(ttl time.Duration) any
}

// leaseSQL holds the statements of the lease.
type leaseSQL struct {
	// acquire: (name, owner, ttl): takes a free or expired lease, returning the new fence; no
	// row when it is held.
	acquire string
	// extend: (name, owner, fence, ttl): one row affected when the acquisition is still owner's.
	extend string
	// release: (name, owner, fence).
	release string
}

// NewLease returns a lease on db (pgdialect or sqlitedialect). It does no I/O: run [Prepare]
// (or [Migrate]) before the first call.
func NewLease(db *bun.DB) (*Lease, error) {
	dl, err := dialectOf(db)
	if err != nil {
		return nil, err
	}
	return &Lease{db: db, dl: dl, q: dl.leaseSQL()}, nil
}

// TryAcquire implements projection.Lease.
func (l *Lease) TryAcquire(ctx context.Context, name, owner string, ttl time.Duration) (int64, bool, error) {
	if err := storekit.ValidateLease(name, owner, ttl); err != nil {
		return 0, false, err
	}
	var fence int64
	err := l.db.DB.QueryRowContext(ctx, l.q.acquire, name, owner, l.dl.ttlArg(ttl)).Scan(&fence)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, wrapErr(ctx, "acquire lease", leaseTable, err)
	}
	return fence, true, nil
}

// Extend implements projection.Lease.
func (l *Lease) Extend(ctx context.Context, name, owner string, token int64, ttl time.Duration) (bool, error) {
	if err := storekit.ValidateLease(name, owner, ttl); err != nil {
		return false, err
	}
	res, err := l.db.DB.ExecContext(ctx, l.q.extend, name, owner, token, l.dl.ttlArg(ttl))
	if err != nil {
		return false, wrapErr(ctx, "extend lease", leaseTable, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrapErr(ctx, "extend lease", leaseTable, err)
	}
	return n == 1, nil
}

// Release implements projection.Lease.
func (l *Lease) Release(ctx context.Context, name, owner string, token int64) error {
	if err := storekit.ValidateLeaseOwner(name, owner); err != nil {
		return err
	}
	if _, err := l.db.DB.ExecContext(ctx, l.q.release, name, owner, token); err != nil {
		return wrapErr(ctx, "release lease", leaseTable, err)
	}
	return nil
}
