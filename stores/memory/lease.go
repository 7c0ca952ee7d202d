package memory

import (
	"context"
	"sync"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// Lease is an in-memory [projection.Lease]: it elects one owner among the runners of one process
// (for tests, and for several runners of one projection in one process). Tokens increase per name
// for the lifetime of the Lease.
type Lease struct {
	mu     sync.Mutex
	leases map[string]*leaseEntry
}

type leaseEntry struct {
	owner   string
	token   int64
	held    bool
	expires time.Time
}

var (
	_ projection.Lease       = (*Lease)(nil)
	_ projection.LeaseReader = (*Lease)(nil)
)

// NewLease returns a lease with nothing held.
func NewLease() *Lease {
	return &Lease{leases: map[string]*leaseEntry{}}
}

// TryAcquire implements [projection.Lease].
func (l *Lease) TryAcquire(ctx context.Context, name, owner string, ttl time.Duration) (int64, bool, error) {
	if err := storekit.ValidateLease(name, owner, ttl); err != nil {
		return 0, false, err
	}
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.leases[name]
	if e == nil {
		e = &leaseEntry{}
		l.leases[name] = e
	}
	if e.held && now.Before(e.expires) {
		return 0, false, nil
	}
	e.owner, e.held, e.expires = owner, true, now.Add(ttl)
	e.token++
	return e.token, true, nil
}

// Extend implements [projection.Lease].
func (l *Lease) Extend(ctx context.Context, name, owner string, token int64, ttl time.Duration) (bool, error) {
	if err := storekit.ValidateLease(name, owner, ttl); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.leases[name]
	if e == nil || !e.held || e.owner != owner || e.token != token {
		return false, nil
	}
	e.expires = now.Add(ttl)
	return true, nil
}

// Release implements [projection.Lease].
func (l *Lease) Release(ctx context.Context, name, owner string, token int64) error {
	if err := storekit.ValidateLeaseOwner(name, owner); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.leases[name]; e != nil && e.held && e.owner == owner && e.token == token {
		e.held = false
	}
	return nil
}

// Holder implements [projection.LeaseReader].
func (l *Lease) Holder(ctx context.Context, name string) (projection.LeaseHolder, error) {
	if err := storekit.ValidateLeaseName(name); err != nil {
		return projection.LeaseHolder{}, err
	}
	if err := ctx.Err(); err != nil {
		return projection.LeaseHolder{}, err
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.leases[name]
	if e == nil || !e.held {
		return projection.LeaseHolder{}, nil
	}
	return projection.LeaseHolder{Owner: e.owner, ExpiresAt: e.expires, Live: now.Before(e.expires)}, nil
}
