package memory

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// Membership is an in-memory [projection.Membership]: the members of a group within one process
// (for tests, and for several balancers sharing one process's memory leases).
type Membership struct {
	mu     sync.Mutex
	groups map[string]map[string]time.Time // group → member → expiry
}

var _ projection.Membership = (*Membership)(nil)

// NewMembership returns a membership with no members.
func NewMembership() *Membership {
	return &Membership{groups: map[string]map[string]time.Time{}}
}

// Heartbeat implements [projection.Membership].
func (m *Membership) Heartbeat(ctx context.Context, group, member string, ttl time.Duration) ([]string, error) {
	if err := storekit.ValidateMember(group, member, ttl); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.groups[group]
	if g == nil {
		g = map[string]time.Time{}
		m.groups[group] = g
	}
	g[member] = now.Add(ttl)
	live := make([]string, 0, len(g))
	for name, until := range g {
		if now.Before(until) {
			live = append(live, name)
		} else {
			delete(g, name)
		}
	}
	slices.Sort(live)
	return live, nil
}

// Leave implements [projection.Membership].
func (m *Membership) Leave(ctx context.Context, group, member string) error {
	if err := storekit.ValidateMember(group, member, projection.MinLeaseTTL); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.groups[group], member)
	return nil
}
