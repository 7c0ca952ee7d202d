package testkit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// MembershipFactory returns a new membership, with no members, for one test.
type MembershipFactory func(t *testing.T) projection.Membership

// RunMembershipSuite is the conformance suite every [projection.Membership] must pass: live
// members sorted and per group, a heartbeat that expires after its time to live, a member that
// leaves counted out at once, bad input refused. One case waits for a 200 ms heartbeat to expire.
func RunMembershipSuite(t *testing.T, newMembership MembershipFactory) {
	t.Helper()
	ctx := context.Background()
	t.Run("LiveSortedPerGroup", func(t *testing.T) {
		m := newMembership(t)
		for _, name := range []string{"c", "a", "b"} {
			_, err := m.Heartbeat(ctx, "g1", name, time.Minute)
			require.NoError(t, err)
		}
		_, err := m.Heartbeat(ctx, "g2", "z", time.Minute)
		require.NoError(t, err)
		live, err := m.Heartbeat(ctx, "g1", "a", time.Minute)
		require.NoError(t, err)
		assert.Equal(t, []string{"a", "b", "c"}, live)
		require.NoError(t, m.Leave(ctx, "g1", "b"))
		require.NoError(t, m.Leave(ctx, "g1", "never-joined"))
		live, err = m.Heartbeat(ctx, "g1", "c", time.Minute)
		require.NoError(t, err)
		assert.Equal(t, []string{"a", "c"}, live)
	})
	t.Run("Expiry", func(t *testing.T) {
		m := newMembership(t)
		_, err := m.Heartbeat(ctx, "g", "short", 200*time.Millisecond)
		require.NoError(t, err)
		live, err := m.Heartbeat(ctx, "g", "long", time.Minute)
		require.NoError(t, err)
		assert.Equal(t, []string{"long", "short"}, live)
		time.Sleep(300 * time.Millisecond)
		live, err = m.Heartbeat(ctx, "g", "long", time.Minute)
		require.NoError(t, err)
		assert.Equal(t, []string{"long"}, live, "a heartbeat expires after its time to live")
		live, err = m.Heartbeat(ctx, "g", "short", time.Minute)
		require.NoError(t, err)
		assert.Equal(t, []string{"long", "short"}, live, "an expired member beats again")
	})
	t.Run("BadInput", func(t *testing.T) {
		m := newMembership(t)
		for _, c := range []struct {
			group, member string
			ttl           time.Duration
		}{
			{"", "m", time.Second}, {"g", "", time.Second}, {"g", "m", 0}, {"g", "m", 25 * time.Hour},
			{strings.Repeat("x", projection.MaxNameBytes+1), "m", time.Second}, {"g", "a\x00b", time.Second},
		} {
			_, err := m.Heartbeat(ctx, c.group, c.member, c.ttl)
			assert.ErrorIs(t, err, es.ErrInvalidArgument, "%+v", c)
		}
		assert.ErrorIs(t, m.Leave(ctx, "", "m"), es.ErrInvalidArgument)
	})
}
