package projection

import (
	"time"

	"github.com/gofly/eventsourcing/internal/check"
)

// Limits on what a runner is given.
const (
	// MaxNameBytes is the longest projection name ([NewRunner]; with [WithLease], the lease's
	// name, "pyfly.projection." followed by the projection's, must fit too), and the longest
	// owner ([WithOwner]), checkpoint or lease name, in bytes.
	MaxNameBytes = 255
	// MinLeaseTTL is the shortest lease time to live ([WithLeaseTTL]).
	MinLeaseTTL = 10 * time.Millisecond
	// MaxLeaseTTL is the longest lease time to live ([WithLeaseTTL]).
	MaxLeaseTTL = 24 * time.Hour
)

// leasePrefix is put before a projection's name to name its lease.
const leasePrefix = "pyfly.projection."

// validName checks a projection name or an owner: 1 to [MaxNameBytes] bytes of valid UTF-8
// without NUL; what names it in the error.
func validName(what, name string) error {
	return check.TextArg(what, name, MaxNameBytes, true)
}

// validTTL checks a lease time to live: from [MinLeaseTTL] to [MaxLeaseTTL].
func validTTL(ttl time.Duration) error {
	return check.DurationArg("lease ttl", ttl, MinLeaseTTL, MaxLeaseTTL)
}
