package projection

import (
	"fmt"
	"math"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
)

const (
	// MaxNameBytes is the longest projection, checkpoint, lease or owner name, in bytes.
	MaxNameBytes = 255
	// MinLeaseTTL is the shortest lease time to live.
	MinLeaseTTL = 10 * time.Millisecond
	// MaxLeaseTTL is the longest lease time to live.
	MaxLeaseTTL = 24 * time.Hour
)

// ValidateName checks a checkpoint or lease name the way every store does: 1 to [MaxNameBytes]
// bytes of valid UTF-8 without NUL. what names the argument in the error ("name", "owner", …).
// Store implementations call it before touching anything.
func ValidateName(what, name string) error {
	if p := check.Text(name, MaxNameBytes, true); p != "" {
		return storekit.InvalidArgument("%s: %s", what, p)
	}
	return nil
}

// ValidatePosition checks a stream position: 0 or more.
func ValidatePosition(what string, p int64) error {
	if p < 0 {
		return storekit.InvalidArgument("%s: a position is 0 or more, got %d", what, p)
	}
	return nil
}

// ValidateTTL checks a lease time to live: from [MinLeaseTTL] to [MaxLeaseTTL].
func ValidateTTL(ttl time.Duration) error {
	if ttl < MinLeaseTTL || ttl > MaxLeaseTTL {
		return storekit.InvalidArgument("lease ttl: from %v to %v, got %v", MinLeaseTTL, MaxLeaseTTL, ttl)
	}
	return nil
}

// MaxErrorBytes is the longest error text a dead letter keeps; the runner shortens longer ones.
const MaxErrorBytes = 16 << 10

// ValidateDeadLetter checks a dead letter before a store keeps it: the projection's name, an
// event a store could hold (see storekit.ValidateAppend) with a global position of 1 or more,
// attempts from 1 to MaxInt32, an error text of at most [MaxErrorBytes] bytes of UTF-8 without NUL,
// and a FailedAt in the years 1 to 9999.
func ValidateDeadLetter(d DeadLetter) error {
	if err := ValidateName("dead letter projection", d.Projection); err != nil {
		return err
	}
	e := d.Event
	if err := storekit.ValidateAppend(e.AggregateID, e.AggregateType, 0, []es.Envelope{e}); err != nil {
		return fmt.Errorf("dead letter event: %w", err)
	}
	if e.GlobalPosition < 1 {
		return storekit.InvalidArgument("dead letter event: global position must be 1 or more, got %d", e.GlobalPosition)
	}
	if d.Attempts < 1 || d.Attempts > math.MaxInt32 {
		return storekit.InvalidArgument("dead letter attempts: from 1 to %d, got %d", math.MaxInt32, d.Attempts)
	}
	if p := check.Text(d.Error, MaxErrorBytes, false); p != "" {
		return storekit.InvalidArgument("dead letter error text: %s", p)
	}
	if y := d.FailedAt.UTC().Year(); y < storekit.MinYear || y > storekit.MaxYear {
		return storekit.InvalidArgument("dead letter FailedAt: the year must be from %d to %d in UTC, got %d", storekit.MinYear, storekit.MaxYear, y)
	}
	return nil
}
