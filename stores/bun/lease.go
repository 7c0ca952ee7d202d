package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// Lease is a projection.Lease on PostgreSQL or SQLite, in the table pyfly_locks: a row per name
// with its holder, its expiry and its fencing token, which grows by one per acquisition. Expiry
// is measured by the database's clock (on PostgreSQL, the server's; on SQLite, the machine's), so
// processes with skewed clocks agree. It never joins a transaction in the context: a lease
// outlives batches.
//
// A process that dies holds nothing once its time to live has passed. On PostgreSQL it holds
// nothing as soon as the server sees its connection close: beside the row, each acquisition
// holds a session-level advisory lock (keyed by the name and the token) on a connection the
// Lease keeps while it holds any lease, and an owner that finds the row held tries that lock; when
// it gets it, the holder's session has ended, and it takes the lease over at once with the next
// token, without waiting for the time to live. A holder whose process lives but stops extending
// (a handler that hangs) still loses the lease at its expiry. The connection is one of db's pool
// for as long as the Lease holds a lease, whatever the number of names it holds.
type Lease struct {
	db *bun.DB
	dl sqlDialect
	q  leaseSQL

	sessions *leaseSession // PostgreSQL: the advisory locks of the acquisitions held; nil on SQLite
}

var (
	_ projection.Lease       = (*Lease)(nil)
	_ projection.LeaseReader = (*Lease)(nil)
)

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
	// holder: (name), the row's holder, its expiry and whether it is live; no row when the
	// lease was never taken.
	holder string
	// live: (name), the fence of a live acquisition; no row when there is none. PostgreSQL only.
	live string
	// fence: (name), the row's fence. PostgreSQL only.
	fence string
	// steal: (name, owner, fence, ttl), takes over the acquisition fence (whose session ended),
	// returning the new fence. PostgreSQL only.
	steal string
}

// NewLease returns a lease on db (pgdialect or sqlitedialect). It does no I/O: run [Prepare]
// (or [Migrate]) before the first call.
func NewLease(db *bun.DB) (*Lease, error) {
	dl, err := dialectOf(db)
	if err != nil {
		return nil, err
	}
	l := &Lease{db: db, dl: dl, q: dl.leaseSQL()}
	if l.q.steal != "" {
		l.sessions = &leaseSession{db: db, held: map[string]heldLease{}}
	}
	return l, nil
}

// TryAcquire implements projection.Lease.
func (l *Lease) TryAcquire(ctx context.Context, name, owner string, ttl time.Duration) (int64, bool, error) {
	if err := storekit.ValidateLease(name, owner, ttl); err != nil {
		return 0, false, err
	}
	var fence int64
	err := l.db.DB.QueryRowContext(ctx, l.q.acquire, name, owner, l.dl.ttlArg(ttl)).Scan(&fence)
	if err == sql.ErrNoRows {
		if l.sessions != nil {
			return l.takeOver(ctx, name, owner, ttl)
		}
		return 0, false, nil
	}
	if err != nil {
		return 0, false, wrapErr(ctx, "acquire lease", leaseTable, err)
	}
	if l.sessions != nil {
		return l.hold(ctx, name, owner, fence)
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
	if n != 1 && l.sessions != nil {
		l.sessions.forget(ctx, name, owner, token) // the acquisition is over
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
	if l.sessions != nil {
		l.sessions.forget(ctx, name, owner, token)
	}
	return nil
}

// Holder implements projection.LeaseReader: the row's holder, by the database's clock.
func (l *Lease) Holder(ctx context.Context, name string) (projection.LeaseHolder, error) {
	if err := storekit.ValidateLeaseName(name); err != nil {
		return projection.LeaseHolder{}, err
	}
	var (
		h     projection.LeaseHolder
		until dbTime
	)
	err := l.db.DB.QueryRowContext(ctx, l.q.holder, name).Scan(&h.Owner, &until, &h.Live)
	if err == sql.ErrNoRows {
		return projection.LeaseHolder{}, nil
	}
	if err != nil {
		return h, wrapErr(ctx, "read lease", leaseTable, err)
	}
	if h.Owner == "" {
		return projection.LeaseHolder{}, nil
	}
	if h.ExpiresAt, err = until.UTC(); err != nil {
		return h, fmt.Errorf("bunstore: read lease %q: lock_until: %w", name, err)
	}
	return h, nil
}
