package autoconfig

import (
	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// newBalancer returns the balancer the runners of this process share when
// pyfly.eventsourcing.projection.balance is on: its members beat in db's pyfly_members, and a
// member counts as live for the lease's time to live.
func newBalancer(s *Settings, db *bun.DB) (*projection.Balancer, error) {
	m, err := bunstore.NewMembership(db)
	if err != nil {
		return nil, err
	}
	return projection.NewBalancer(m, projection.BalancerConfig{TTL: s.Config.Projection.LeaseTTL, Logger: s.logger()})
}
