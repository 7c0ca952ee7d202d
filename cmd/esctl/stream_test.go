package main_test

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

// An outbox in mode stream shows in esctl as the projection outbox:default: its position and
// dead letters are listed, and a dead letter retried through esctl is published by the running
// stream.
func TestOutboxStreamThroughEsctl(t *testing.T) {
	url := testkit.SQLiteFileURL(t)
	c := newCLI(t)
	u := "--url=" + url
	c.expect(t, exitOK, u, "migrate")
	a := openApp(t, url)
	a.save(t, "order-1", "Order", 0, 3)
	stream := a.stream(t)
	poison := stream[1]
	a.poisonOutbox.Store(poison.EventID, true)

	cps, err := bunstore.NewCheckpointStore(a.db)
	require.NoError(t, err)
	lease, err := bunstore.NewLease(a.db)
	require.NoError(t, err)
	letters, err := bunstore.NewDeadLetterStore(a.db)
	require.NoError(t, err)
	s, err := outbox.NewStream(a.events, a.publish, outbox.StreamConfig{
		Config: outbox.Config{MaxAttempts: 2, BackoffInitial: 5 * time.Millisecond, BackoffMax: 10 * time.Millisecond,
			PollInterval: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)},
		Checkpoints: cps, Lease: lease, DeadLetters: letters, CheckpointInterval: 10 * time.Millisecond,
	})
	require.NoError(t, err)
	require.NoError(t, s.Start(context.Background()))
	t.Cleanup(func() { _ = s.Stop(context.Background()) })

	name := outbox.StreamName(outbox.DefaultName)
	last := strconv.FormatInt(stream[2].GlobalPosition, 10)
	testkit.WaitFor(t, 30*time.Second, func() bool {
		l := c.expect(t, exitOK, u, "projections", "--json").jsonLines(t)
		return len(l) == 1 && l[0]["name"] == name && l[0]["position"] == last && l[0]["dead_letters"] == float64(1)
	}, "the stream's position at the end, past its dead letter")
	assert.Equal(t, []string{stream[0].EventID, stream[2].EventID}, a.publishedIDs())

	lines := c.expect(t, exitOK, u, "dead-letters", "--projection", name, "--json").jsonLines(t)
	require.Len(t, lines, 1)
	assert.Equal(t, poison.EventID, lines[0]["event_id"])
	assert.Contains(t, lines[0]["error"], "the broker refused it")

	a.poisonOutbox.Delete(poison.EventID)
	c.expect(t, exitOK, u, "dead-letters", "retry", poison.EventID, "--projection", name)
	testkit.WaitFor(t, 30*time.Second, func() bool { return slices.Contains(a.publishedIDs(), poison.EventID) },
		"the stream to publish the retried dead letter")
	testkit.WaitFor(t, 30*time.Second, func() bool {
		return len(c.expect(t, exitOK, u, "dead-letters", "--json").jsonLines(t)) == 0
	}, "no dead letter left")
}
