package projection

import (
	"context"
	"time"
)

// Lease gives one owner at a time the right to run a named job across processes, for a time to
// live that the owner keeps extending. Every acquisition hands out a fencing token that is higher
// than any token the lease handed out before; the runner passes it to [CheckpointStore.Move], so
// a runner that lost its lease while a batch was in flight cannot move the checkpoint once the
// next holder has loaded it. A lease is never held forever: when its owner dies, it expires after
// its time to live and another owner can acquire it. A lease that can tell sooner that its owner
// died may end the acquisition then (the Bun lease on PostgreSQL ends it with the owner's
// database session).
//
// Names and owners are 1 to [MaxNameBytes] bytes of UTF-8 without NUL; a time to live is from
// [MinLeaseTTL] to [MaxLeaseTTL]. Anything else is es.ErrInvalidArgument.
type Lease interface {
	// TryAcquire takes the lease for owner when it is free or expired, and returns its new token
	// and true; it returns false while another acquisition of it is live (owner's own included:
	// an owner that still holds it extends it instead).
	TryAcquire(ctx context.Context, name, owner string, ttl time.Duration) (token int64, ok bool, err error)
	// Extend renews the acquisition identified by owner and token for ttl from now and reports
	// true, or reports false when that acquisition is over (released, or expired and taken by
	// another). An expired lease nobody else took yet is still owner's to extend.
	Extend(ctx context.Context, name, owner string, token int64, ttl time.Duration) (bool, error)
	// Release ends the acquisition identified by owner and token, so another owner can acquire
	// the lease at once. Releasing an acquisition that is already over does nothing.
	Release(ctx context.Context, name, owner string, token int64) error
}

// LeaseReader is implemented by leases that can tell who holds them (the memory and Bun leases
// do). A runner standing by logs the holder once, and [Runner.Status] shows it.
type LeaseReader interface {
	// Holder returns the lease's current acquisition: Owner is "" when the lease was released or
	// never taken.
	Holder(ctx context.Context, name string) (LeaseHolder, error)
}

// LeaseHolder is who holds a lease, as a [LeaseReader] tells it.
type LeaseHolder struct {
	// Owner is the holder's owner; "" once released or when never taken.
	Owner string
	// ExpiresAt is when the acquisition ends unless extended.
	ExpiresAt time.Time
	// Live is true while the acquisition has not expired (by the lease's clock).
	Live bool
}
