package storekit

import (
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/internal/check"
)

// ValidateMember checks what [projection.Membership.Heartbeat] and Leave are given: the group
// and member, each 1 to projection.MaxNameBytes bytes of valid UTF-8 without NUL, and a time to
// live from projection.MinLeaseTTL to projection.MaxLeaseTTL.
func ValidateMember(group, member string, ttl time.Duration) error {
	if err := validProjectionName("membership group", group); err != nil {
		return err
	}
	if err := validProjectionName("member", member); err != nil {
		return err
	}
	return check.DurationArg("membership ttl", ttl, projection.MinLeaseTTL, projection.MaxLeaseTTL)
}
