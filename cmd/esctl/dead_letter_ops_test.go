package main_test

import (
	"os/user"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

func TestDeadLetterActionsSQLite(t *testing.T) {
	deadLetterScenario(t, newCLI(t), testkit.SQLiteFileURL(t))
}

func TestDeadLetterActionsPostgres(t *testing.T) {
	deadLetterScenario(t, newCLI(t), pgtest.Start(t))
}

// deadLetterScenario: retry-all of an outbox's and a projection's dead letters, which the relay
// and the runner carry out, and skips with and without --by, listed with --skipped.
func deadLetterScenario(t *testing.T, c cli, url string) {
	u := "--url=" + url
	c.expect(t, exitOK, u, "migrate")
	a := openApp(t, url)
	one := testkit.Envelopes(t, "OrderChanged", 1, 2)
	two := testkit.Envelopes(t, "OrderChanged", 1, 1)
	three := testkit.Envelopes(t, "OrderChanged", 1, 2)
	a.poisonOutbox.Store(one[0].EventID, true)
	a.poisonOutbox.Store(two[0].EventID, true)
	for _, e := range []es.Envelope{two[0], three[0], three[1]} {
		a.poisonProjection.Store(e.EventID, true)
	}
	a.saveEnvs(t, "order-1", "Order", 0, one)
	a.saveEnvs(t, "order-2", "Order", 0, two)
	a.saveEnvs(t, "order-3", "Order", 0, three)
	a.startRunner(t)
	a.startRelay(t)
	count := func(args ...string) int {
		return len(c.expect(t, exitOK, append([]string{u, "dead-letters", "--json"}, args...)...).jsonLines(t))
	}
	testkit.WaitFor(t, 30*time.Second, func() bool {
		return count("--outbox", "orders") == 2 && count("--projection", "orders_view") == 3
	}, "two dead letters in the outbox, three in the projection")

	c.expect(t, exitUsage, u, "dead-letters", "retry-all")
	c.expect(t, exitUsage, u, "dead-letters", "retry-all", "extra", "--outbox", "orders")
	c.expect(t, exitUsage, u, "dead-letters", "skip")
	c.expect(t, exitUsage, u, "dead-letters", "skip", one[0].EventID, "--by", "")
	c.expect(t, exitNotFound, u, "dead-letters", "skip", "no-such-id", "--by", "ops")
	c.expect(t, exitNotFound, u, "dead-letters", "skip", one[1].EventID, "--outbox", "orders", "--by", "ops")

	// Every dead letter of the outbox, retried: the relay publishes them.
	a.poisonOutbox.Clear()
	r := c.expect(t, exitOK, u, "dead-letters", "retry-all", "--outbox", "orders", "--json")
	assert.Equal(t, map[string]any{"kind": "outbox", "name": "orders", "retried": float64(2)}, r.jsonLines(t)[0])
	testkit.WaitFor(t, 30*time.Second, func() bool {
		p := a.publishedIDs()
		return slices.Contains(p, one[0].EventID) && slices.Contains(p, two[0].EventID)
	}, "the relay to publish the retried dead letters")
	assert.Zero(t, count("--outbox", "orders"))

	// A skip with --by: never applied, listed with who skipped it.
	r = c.expect(t, exitOK, u, "dead-letters", "skip", two[0].EventID, "--by", "alice")
	assert.Contains(t, r.stdout, "projection orders_view: dead letter "+two[0].EventID+" skipped by alice")
	lines := c.expect(t, exitOK, u, "dead-letters", "--skipped", "--json").jsonLines(t)
	require.Len(t, lines, 1)
	assert.Equal(t, []any{"projection", "orders_view", two[0].EventID, "alice", float64(2)},
		[]any{lines[0]["kind"], lines[0]["name"], lines[0]["event_id"], lines[0]["skipped_by"], lines[0]["attempts"]})
	assert.NotEmpty(t, lines[0]["skipped_at"])
	assert.Equal(t, 2, count("--projection", "orders_view"))

	// A skip without --by: the OS user skipped it.
	me, err := user.Current()
	require.NoError(t, err)
	r = c.expect(t, exitOK, u, "dead-letters", "skip", three[0].EventID, "--projection", "orders_view", "--json")
	assert.Equal(t, me.Username, r.jsonLines(t)[0]["skipped_by"])
	r = c.expect(t, exitOK, u, "dead-letters", "--skipped")
	assert.Regexp(t, `(?m)^KIND\s+NAME\s+EVENT ID\s+POSITION\s+AGGREGATE\s+EVENT TYPE\s+ATTEMPTS\s+SKIPPED BY\s+SKIPPED AT\s+ERROR$`, r.stdout)
	assert.Contains(t, r.stdout, "alice")
	assert.Len(t, c.expect(t, exitOK, u, "dead-letters", "--skipped", "--outbox", "orders", "--json").jsonLines(t), 0)

	// The projection's last dead letter, retried with retry-all: the runner applies it.
	a.poisonProjection.Clear()
	r = c.expect(t, exitOK, u, "dead-letters", "retry-all", "--projection", "orders_view")
	assert.Contains(t, r.stdout, "projection orders_view: 1 dead letters are asked for again")
	testkit.WaitFor(t, 30*time.Second, func() bool { return slices.Contains(a.appliedIDs(t), three[1].EventID) },
		"the runner to apply the retried dead letter")
	applied := a.appliedIDs(t)
	assert.NotContains(t, applied, two[0].EventID, "skipped")
	assert.NotContains(t, applied, three[0].EventID, "skipped")
	testkit.WaitFor(t, 30*time.Second, func() bool { return count() == 0 }, "no dead letter left")

	// A range of the stream published again: order-1's two events, not what follows.
	c.expect(t, exitUsage, u, "outbox", "replay")
	c.expect(t, exitUsage, u, "outbox", "replay", "--from", "-1")
	c.expect(t, exitUsage, u, "outbox", "replay", "--from", "5", "--to", "5")
	times := func(id string) int {
		n := 0
		for _, p := range a.publishedIDs() {
			if p == id {
				n++
			}
		}
		return n
	}
	before := []int{times(one[0].EventID), times(one[1].EventID), times(two[0].EventID)}
	to := strconv.FormatInt(one[1].GlobalPosition, 10)
	r = c.expect(t, exitOK, u, "outbox", "replay", "--from", "0", "--to", to, "--name", "orders", "--json")
	assert.Equal(t, map[string]any{"name": "orders", "events": float64(2), "first_position": strconv.FormatInt(one[0].GlobalPosition, 10),
		"last_position": to}, r.jsonLines(t)[0])
	testkit.WaitFor(t, 30*time.Second, func() bool {
		return times(one[0].EventID) == before[0]+1 && times(one[1].EventID) == before[1]+1
	}, "the relay to publish the replayed events again")
	assert.Equal(t, before[2], times(two[0].EventID), "outside the range")
	p := a.publishedIDs()
	assert.Equal(t, []string{one[0].EventID, one[1].EventID}, p[len(p)-2:], "again, in order")
	r = c.expect(t, exitOK, u, "outbox", "replay", "--from", strconv.FormatInt(a.stream(t)[len(a.stream(t))-1].GlobalPosition, 10), "--name", "orders")
	assert.Contains(t, r.stdout, "no event to replay")
}
