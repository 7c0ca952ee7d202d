package main_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

// versionRunner runs version of the projection "vview" over url's database.
func versionRunner(t *testing.T, url string, version int, dead bool) *projection.Runner {
	ctx := context.Background()
	db, err := bunstore.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, bunstore.Prepare(ctx, db, true))
	events, err := bunstore.NewEventStore(db)
	require.NoError(t, err)
	cps, err := bunstore.NewCheckpointStore(db)
	require.NoError(t, err)
	lease, err := bunstore.NewLease(db)
	require.NoError(t, err)
	letters, err := bunstore.NewDeadLetterStore(db)
	require.NoError(t, err)
	handler := func(ctx context.Context, e es.Envelope) error {
		if dead && e.Sequence == 2 {
			return errPoison
		}
		return nil
	}
	r, err := projection.NewRunner(projection.FunctionProjection("vview", handler), events, projection.WithCheckpoints(cps),
		projection.WithLease(lease), projection.WithDeadLetters(letters, 1), projection.WithVersion(version),
		projection.WithPollInterval(20*time.Millisecond), projection.WithRetry(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	return r
}

type poison struct{}

func (poison) Error() string { return "the read model refused it" }

var errPoison error = poison{}

// TestProjectionRetire: version 2 takes over from version 1 (which parked an event), esctl
// lists both versions with their roles, refuses to retire the active one, and retires version 1:
// its checkpoint, records, lease and dead letters are gone, version 2 stays.
func TestProjectionRetire(t *testing.T) {
	ctx := context.Background()
	url := testkit.SQLiteFileURL(t)
	c := newCLI(t)
	u := "--url=" + url
	v1 := versionRunner(t, url, 1, true)
	db, err := bunstore.Open(ctx, url)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, bunstore.Prepare(ctx, db, true))
	events, err := bunstore.NewEventStore(db)
	require.NoError(t, err)
	require.NoError(t, events.Append(ctx, "o-1", "Order", 0, testkit.Envelopes(t, "Placed", 1, 5)))
	require.NoError(t, v1.Start(ctx))
	testkit.WaitFor(t, 20*time.Second, func() bool {
		st, err := v1.Status(ctx)
		require.NoError(t, err)
		return st.Lag == 0 && st.DeadLetters == 1
	}, "version 1 to apply the events and park one")

	v2 := versionRunner(t, url, 2, false)
	require.NoError(t, v2.Start(ctx))
	testkit.WaitFor(t, 20*time.Second, func() bool {
		st1, err := v1.Status(ctx)
		require.NoError(t, err)
		return !st1.Running
	}, "version 1 to stop once version 2 took over")

	lines := c.expect(t, exitOK, u, "projections", "--json").jsonLines(t)
	require.Len(t, lines, 2)
	assert.Equal(t, []any{"vview", float64(1), "superseded", float64(1)}, []any{lines[0]["name"], lines[0]["version"], lines[0]["role"], lines[0]["dead_letters"]})
	assert.Equal(t, []any{"vview", float64(2), "active", float64(0)}, []any{lines[1]["name"], lines[1]["version"], lines[1]["role"], lines[1]["dead_letters"]})
	r := c.expect(t, exitOK, u, "projections")
	assert.Regexp(t, `(?m)^vview\s+1\s+superseded\s+`, r.stdout)
	assert.Regexp(t, `(?m)^vview\s+2\s+active\s+`, r.stdout)

	r = c.expect(t, exitFailure, u, "projection", "retire", "vview", "--version", "2")
	assert.Contains(t, r.stderr, "version 2 is the active one")
	c.expect(t, exitUsage, u, "projection", "retire", "vview")
	c.expect(t, exitUsage, u, "projection", "retire", "--version", "1")
	c.expect(t, exitNotFound, u, "projection", "retire", "vview", "--version", "3")
	c.expect(t, exitNotFound, u, "projection", "retire", "other", "--version", "2")

	r = c.expect(t, exitOK, u, "projection", "retire", "vview", "--version", "1", "--json")
	got := r.jsonLines(t)[0]
	assert.Equal(t, []any{"vview", float64(1), "vview", float64(1)}, []any{got["name"], got["version"], got["checkpoint"], got["dead_letters"]})
	assert.NotNil(t, got["position"])
	lines = c.expect(t, exitOK, u, "projections", "--json").jsonLines(t)
	require.Len(t, lines, 1)
	assert.Equal(t, []any{"vview", float64(2), "active"}, []any{lines[0]["name"], lines[0]["version"], lines[0]["role"]})
	assert.Empty(t, c.expect(t, exitOK, u, "dead-letters", "--projection", "vview", "--json").jsonLines(t))
	c.expect(t, exitNotFound, u, "projection", "retire", "vview", "--version", "1")
	cps, err := bunstore.NewCheckpointStore(db)
	require.NoError(t, err)
	for _, key := range []string{"vview", "vview@v1.live"} {
		_, ok, err := cps.Position(ctx, key)
		require.NoError(t, err)
		assert.False(t, ok, key)
	}

	// Version 2 keeps serving.
	require.NoError(t, events.Append(ctx, "o-1", "Order", 5, testkit.Envelopes(t, "Placed", 6, 1)))
	testkit.WaitFor(t, 20*time.Second, func() bool {
		st, err := v2.Status(ctx)
		require.NoError(t, err)
		return st.Lag == 0 && st.Running && st.Role == projection.RoleActive
	}, "version 2 to apply the new event")
}
