package storekit

import (
	"fmt"
	"math"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/internal/check"
)

// MaxDeadLetterErrorBytes (16 KiB) is the longest error text, in bytes, a projection's dead letter
// keeps: the runner cuts longer texts to fit, and [ValidateDeadLetter] refuses them.
const MaxDeadLetterErrorBytes = check.DeadLetterErrorBytes

// validProjectionName checks a projection, checkpoint, lease or owner name: 1 to
// projection.MaxNameBytes bytes of valid UTF-8 without NUL; what names it in the error.
func validProjectionName(what, name string) error {
	return check.TextArg(what, name, projection.MaxNameBytes, true)
}

// ValidateCheckpointName checks the name [projection.CheckpointStore.Position] is given: 1 to
// projection.MaxNameBytes bytes of valid UTF-8 without NUL.
func ValidateCheckpointName(name string) error {
	return validProjectionName("checkpoint name", name)
}

// ValidateCheckpoint checks what [projection.CheckpointStore.Load] (with the initial position)
// and Reset (with fence 0) are given: the name (see [ValidateCheckpointName]), a position of 0 or
// more and a fence (a lease token) of 0 (no lease) or more.
func ValidateCheckpoint(name string, position, fence int64) error {
	if err := ValidateCheckpointName(name); err != nil {
		return err
	}
	if err := check.PositionArg("position", position); err != nil {
		return err
	}
	if fence < 0 {
		return invalid("fence: a lease token is 0 (no lease) or more, got %d", fence)
	}
	return nil
}

// ValidateCheckpointMove checks what [projection.CheckpointStore.Move] is given: the name, the
// expected position and the fence as [ValidateCheckpoint] does, and a next position of 0 or more.
func ValidateCheckpointMove(name string, expected, next, fence int64) error {
	if err := ValidateCheckpoint(name, expected, fence); err != nil {
		return err
	}
	return check.PositionArg("next", next)
}

// ValidateLeaseName checks the lease name projection.LeaseReader.Holder is given: 1 to
// projection.MaxNameBytes bytes of valid UTF-8 without NUL.
func ValidateLeaseName(name string) error {
	return validProjectionName("lease name", name)
}

// ValidateLeaseOwner checks the lease name and owner [projection.Lease.Release] is given: each 1
// to projection.MaxNameBytes bytes of valid UTF-8 without NUL.
func ValidateLeaseOwner(name, owner string) error {
	if err := validProjectionName("lease name", name); err != nil {
		return err
	}
	return validProjectionName("lease owner", owner)
}

// ValidateLease checks what [projection.Lease.TryAcquire] and Extend are given: the name and
// owner (see [ValidateLeaseOwner]) and a time to live from projection.MinLeaseTTL to
// projection.MaxLeaseTTL.
func ValidateLease(name, owner string, ttl time.Duration) error {
	if err := ValidateLeaseOwner(name, owner); err != nil {
		return err
	}
	return check.DurationArg("lease ttl", ttl, projection.MinLeaseTTL, projection.MaxLeaseTTL)
}

// ValidateDeadLetter checks what [projection.DeadLetterStore.Park] is given before a store keeps
// it: the projection's name, an event a store could hold (see [ValidateAppend]; as the event
// was read back, its payload and metadata may nest as deep as a store reads, 10,000 levels)
// with a global position of 1 or more, attempts from 1 to MaxInt32, an error text of at most
// [MaxDeadLetterErrorBytes] bytes of UTF-8 without NUL, and a FailedAt in the years 1 to 9999.
func ValidateDeadLetter(d projection.DeadLetter) error {
	if err := validProjectionName("dead letter projection", d.Projection); err != nil {
		return err
	}
	e := d.Event
	if err := validateAppend(e.AggregateID, e.AggregateType, 0, []es.Envelope{e}, check.DecodeJSONDepth); err != nil {
		return fmt.Errorf("dead letter event: %w", err)
	}
	if e.GlobalPosition < 1 {
		return invalid("dead letter event: global position must be 1 or more, got %d", e.GlobalPosition)
	}
	if d.Attempts < 0 || d.Attempts > math.MaxInt32 {
		return invalid("dead letter attempts: from 0 (held back) to %d, got %d", math.MaxInt32, d.Attempts)
	}
	if err := check.TextArg("dead letter error text", d.Error, MaxDeadLetterErrorBytes, false); err != nil {
		return err
	}
	return ValidateTime("dead letter FailedAt", d.FailedAt)
}

// ValidateDeadLetterCount checks the projection name [projection.DeadLetterStore.Count] is
// given: 1 to projection.MaxNameBytes bytes of valid UTF-8 without NUL.
func ValidateDeadLetterCount(projectionName string) error {
	return validProjectionName("projection name", projectionName)
}

// ValidateDeadLetterList checks what [projection.DeadLetterStore.List] is given: the projection
// name (see [ValidateDeadLetterCount]), and a position and a limit as [ValidateReadAll] checks
// them.
func ValidateDeadLetterList(projectionName string, after int64, limit int) error {
	if err := ValidateDeadLetterCount(projectionName); err != nil {
		return err
	}
	return ValidateReadAll(after, limit)
}

// ValidateDeadLetterDelete checks what [projection.DeadLetterStore.Delete] is given: the
// projection name (see [ValidateDeadLetterCount]) and an event id of 1 to es.MaxIDBytes bytes of
// valid UTF-8 without NUL.
func ValidateDeadLetterDelete(projectionName, eventID string) error {
	if err := ValidateDeadLetterCount(projectionName); err != nil {
		return err
	}
	return check.TextArg("event id", eventID, es.MaxIDBytes, true)
}
