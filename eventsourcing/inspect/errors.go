package inspect

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrNotFound reports a projection, an outbox, an aggregate or a dead letter that the stores
	// do not hold.
	ErrNotFound = errors.New("inspect: not found")
	// ErrLeaseHeld reports an action refused because a runner holds the projection's lease (see
	// [LeaseHeldError]).
	ErrLeaseHeld = errors.New("inspect: a runner holds the projection's lease")
	// ErrAmbiguous reports an id that names dead letters of several outboxes or projections:
	// say which one.
	ErrAmbiguous = errors.New("inspect: ambiguous")
	// ErrActiveVersion reports an action refused because it names a projection's active
	// version (retiring it would leave the projection without its serving read model).
	ErrActiveVersion = errors.New("inspect: the projection's active version")
)

// LeaseHeldError is the refusal of an action on a projection while a runner holds its lease. It
// matches [ErrLeaseHeld].
type LeaseHeldError struct {
	// Projection is the projection's name.
	Projection string
	// Holder is the lease's owner and ExpiresAt when it ends unless extended.
	Holder    string
	ExpiresAt time.Time
}

// Error says who holds the lease until when.
func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("projection %q: %q holds its lease until %s (it is running); stop its runners first, or force it: the running runner then notices and goes on from the new position",
		e.Projection, e.Holder, e.ExpiresAt.UTC().Format(time.RFC3339))
}

// Is reports whether target is [ErrLeaseHeld].
func (e *LeaseHeldError) Is(target error) bool { return target == ErrLeaseHeld }
