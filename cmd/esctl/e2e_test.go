package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// Exit codes esctl promises.
const (
	exitOK, exitFailure, exitUsage, exitNotFound, exitUnhealthy = 0, 1, 2, 3, 4
)

func TestSQLite(t *testing.T) {
	url := testkit.SQLiteFileURL(t)
	scenario(t, newCLI(t), url)
}

func TestPostgres(t *testing.T) {
	url := pgtest.Start(t)
	scenario(t, newCLI(t), url)
}

// scenario runs every command against an application on url, in the order an operator meets
// them: migrations, aggregates and events, the stream, projections and the outbox with their
// dead letters, a reset the running runner replays, retries the runner and the relay carry out,
// and the health report.
func scenario(t *testing.T, c cli, url string) {
	pg := strings.HasPrefix(url, "postgres")
	u := "--url=" + url

	// Migrations.
	r := c.expect(t, exitFailure, u, "migrate", "--check")
	assert.Contains(t, r.stdout, "missing migration 0001_event_store")
	assert.Contains(t, r.stdout, "missing migration 0006_dead_letter_retry")
	r = c.expect(t, exitFailure, u, "migrate", "--check", "--json")
	assert.Equal(t, false, r.jsonLines(t)[0]["current"])
	r = c.expect(t, exitOK, u, "migrate")
	assert.Contains(t, r.stdout, "applied migration 0006_dead_letter_retry")
	r = c.expect(t, exitOK, "migrate", "--check", u)
	assert.Contains(t, r.stdout, "schema current")

	a := openApp(t, url)
	a.save(t, "order-1", "Order", 0, 3)
	a.save(t, "order-2", "Order", 0, 2)
	a.save(t, "cust-1", "Customer", 0, 1)
	stream := a.stream(t)
	require.Len(t, stream, 6)
	pos := func(i int) string { return strconv.FormatInt(stream[i].GlobalPosition, 10) }

	// Aggregates.
	r = c.expect(t, exitOK, u, "aggregates")
	assert.Regexp(t, `(?m)^AGGREGATE ID\s+TYPE\s+VERSION\s+LAST EVENT$`, r.stdout)
	assert.Regexp(t, `(?m)^order-1\s+Order\s+3\s+\d{4}-`, r.stdout)
	lines := c.expect(t, exitOK, u, "aggregates", "--json").jsonLines(t)
	require.Len(t, lines, 3)
	assert.Equal(t, map[string]any{"aggregate_id": "cust-1", "aggregate_type": "Customer", "version": float64(1),
		"last_occurred_at": stream[5].OccurredAt.UTC().Format(time.RFC3339Nano)}, lines[0])
	lines = c.expect(t, exitOK, u, "aggregates", "--type", "Order", "--limit", "1", "--json").jsonLines(t)
	require.Len(t, lines, 1)
	assert.Equal(t, "order-1", lines[0]["aggregate_id"])
	c.expect(t, exitUsage, u, "aggregates", "--limit", "0")
	c.expect(t, exitUsage, u, "aggregates", "--limit", "x")
	c.expect(t, exitUsage, u, "aggregates", "extra")

	// Events.
	lines = c.expect(t, exitOK, u, "events", "order-1", "--json").jsonLines(t)
	require.Len(t, lines, 3)
	for i, l := range lines {
		keys := slices.Sorted(mapKeys(l))
		assert.Equal(t, []string{"aggregate_id", "aggregate_type", "event_id", "event_type", "global_position", "metadata", "occurred_at",
			"payload", "sequence", "tenant_id", "version"}, keys)
		assert.Equal(t, stream[i].EventID, l["event_id"])
		assert.Equal(t, pos(i), l["global_position"], "a position is a string")
		assert.Equal(t, float64(i+1), l["sequence"])
		assert.Nil(t, l["tenant_id"])
	}
	lines = c.expect(t, exitOK, u, "events", "--from-sequence", "3", "order-1", "--json").jsonLines(t)
	require.Len(t, lines, 1)
	assert.Equal(t, stream[2].EventID, lines[0]["event_id"])
	r = c.expect(t, exitOK, u, "events", "order-2")
	assert.Contains(t, r.stdout, stream[3].EventID)
	assert.Contains(t, r.stdout, `{"n":`, "the payload")
	r = c.expect(t, exitNotFound, u, "events", "order-9")
	assert.Contains(t, r.stderr, `aggregate "order-9" has no events`)
	c.expect(t, exitNotFound, u, "events", "order-1", "--from-sequence", "4")
	c.expect(t, exitUsage, u, "events", "order-1", "--from-sequence", "0")
	c.expect(t, exitUsage, u, "events")
	r = c.expect(t, exitUsage, u, "events", strings.Repeat("x", 100_000))
	assert.Less(t, len(r.stderr), 300, "a huge id is not echoed: %s", r.stderr)
	r = c.expect(t, exitUsage, u, "events", "bad\xffid")
	assert.Contains(t, r.stderr, "UTF-8")
	c.expect(t, exitNotFound, u, "events", "x'; DROP TABLE pyfly_event_store; --")

	// The global stream.
	lines = c.expect(t, exitOK, u, "tail", "--json").jsonLines(t)
	require.Len(t, lines, 6)
	assert.Equal(t, pos(5), lines[5]["global_position"])
	lines = c.expect(t, exitOK, u, "tail", "--from", pos(2), "--json").jsonLines(t)
	require.Len(t, lines, 3)
	assert.Equal(t, stream[3].EventID, lines[0]["event_id"])
	r = c.expect(t, exitOK, u, "tail")
	assert.Regexp(t, `(?m)^POSITION\s+EVENT ID`, r.stdout)
	c.expect(t, exitUsage, u, "tail", "--from", "-1")
	r = c.expect(t, exitUsage, u, "tail", "--from", strconv.FormatInt(stream[5].GlobalPosition+1_000_000, 10))
	assert.Contains(t, r.stderr, "not on the stream")
	f := c.start(t, u, "tail", "--follow", "--json", "--from", pos(4))
	assert.Contains(t, f.next(t, 20*time.Second), stream[5].EventID)
	more := a.save(t, "cust-1", "Customer", 1, 1)
	assert.Contains(t, f.next(t, 20*time.Second), more[0].EventID, "a new event reaches the follower")
	require.NoError(t, f.cmd.Process.Signal(syscall.SIGINT))
	select {
	case err := <-f.done:
		require.NoError(t, err, "interrupted, it exits 0")
	case <-time.After(20 * time.Second):
		t.Fatal("esctl tail --follow did not end on SIGINT")
	}
	stream = a.stream(t)

	// Projections and the outbox at work, each with a poison event.
	poisonP, poisonO := stream[3], stream[1] // order-2's first, order-1's second
	a.poisonProjection.Store(poisonP.EventID, true)
	a.poisonOutbox.Store(poisonO.EventID, true)
	a.startRunner(t)
	a.startRelay(t)
	testkit.WaitFor(t, 30*time.Second, func() bool {
		return len(a.appliedIDs(t)) == len(stream)-1 && len(a.publishedIDs()) == len(stream)-1
	}, "the runner and the relay to go past their poison events: applied %v, published %v of %d",
		lazy(func() any { return len(a.appliedIDs(t)) }), lazy(func() any { return len(a.publishedIDs()) }), len(stream))
	testkit.WaitFor(t, 30*time.Second, func() bool {
		l := c.expect(t, exitOK, u, "projections", "--json").jsonLines(t)
		return len(l) == 1 && l[0]["position"] == pos(len(stream)-1) && l[0]["dead_letters"] == float64(1)
	}, "the projection's checkpoint to reach the end")

	lines = c.expect(t, exitOK, u, "projections", "--json").jsonLines(t)
	p := lines[0]
	assert.Equal(t, "orders_view", p["name"])
	assert.Equal(t, float64(0), p["lag"])
	assert.Equal(t, "active", p["state"])
	assert.Equal(t, "app-1", p["lease_holder"])
	assert.NotNil(t, p["lease_expires_at"])
	r = c.expect(t, exitOK, u, "projections")
	assert.Regexp(t, `(?m)^NAME\s+VERSION\s+ROLE\s+POSITION\s+LAG\s+STATE\s+LEASE HOLDER\s+LEASE EXPIRES\s+DEAD LETTERS$`, r.stdout)
	assert.Regexp(t, `(?m)^orders_view\s+1\s+-\s+\d+\s+0\s+active\s+app-1\s+\S+\s+1$`, r.stdout)

	testkit.WaitFor(t, 30*time.Second, func() bool {
		l := c.expect(t, exitOK, u, "outbox", "--json").jsonLines(t)
		return len(l) == 1 && l[0]["pending"] == float64(0) && l[0]["dead_letters"] == float64(1)
	}, "the outbox's poison record to be a dead letter")
	r = c.expect(t, exitOK, u, "outbox")
	assert.Regexp(t, `(?m)^orders\s+0\s+-\s+1$`, r.stdout)
	lines = c.expect(t, exitOK, u, "outbox", "--name", "orders", "--json").jsonLines(t)
	assert.Equal(t, "orders", lines[0]["name"])
	lines = c.expect(t, exitOK, u, "outbox", "--name", "other", "--json").jsonLines(t)
	assert.Equal(t, float64(0), lines[0]["pending"])
	c.expect(t, exitUsage, u, "outbox", "--name", "a\xffb")

	// Dead letters: listed, then retried; the relay and the runner carry the retries out.
	lines = c.expect(t, exitOK, u, "dead-letters", "--json").jsonLines(t)
	require.Len(t, lines, 2)
	assert.Equal(t, []any{"outbox", "orders", poisonO.EventID}, []any{lines[0]["kind"], lines[0]["name"], lines[0]["event_id"]})
	assert.Equal(t, []any{"projection", "orders_view", poisonP.EventID, strconv.FormatInt(poisonP.GlobalPosition, 10)},
		[]any{lines[1]["kind"], lines[1]["name"], lines[1]["event_id"], lines[1]["global_position"]})
	assert.Contains(t, lines[1]["error"], "the read model refused it")
	assert.Len(t, c.expect(t, exitOK, u, "dead-letters", "--outbox", "orders", "--json").jsonLines(t), 1)
	assert.Len(t, c.expect(t, exitOK, u, "dead-letters", "--projection", "orders_view", "--json").jsonLines(t), 1)
	r = c.expect(t, exitOK, u, "dead-letters")
	assert.Regexp(t, `(?m)^projection\s+orders_view\s+`+poisonP.EventID, r.stdout)
	c.expect(t, exitUsage, u, "dead-letters", "--outbox", "a", "--projection", "b")
	c.expect(t, exitNotFound, u, "dead-letters", "retry", "no-such-id")
	c.expect(t, exitNotFound, u, "dead-letters", "retry", poisonO.EventID, "--projection", "orders_view")
	c.expect(t, exitUsage, u, "dead-letters", "retry")

	a.poisonOutbox.Delete(poisonO.EventID)
	r = c.expect(t, exitOK, u, "dead-letters", "retry", poisonO.EventID)
	assert.Contains(t, r.stdout, "outbox orders: dead letter "+poisonO.EventID+" is due again")
	testkit.WaitFor(t, 30*time.Second, func() bool { return slices.Contains(a.publishedIDs(), poisonO.EventID) },
		"the relay to deliver the retried dead letter")
	a.poisonProjection.Delete(poisonP.EventID)
	r = c.expect(t, exitOK, u, "dead-letters", "retry", poisonP.EventID, "--projection", "orders_view", "--json")
	assert.Equal(t, "projection", r.jsonLines(t)[0]["kind"])
	testkit.WaitFor(t, 30*time.Second, func() bool { return slices.Contains(a.appliedIDs(t), poisonP.EventID) },
		"the runner to apply the retried dead letter")
	testkit.WaitFor(t, 30*time.Second, func() bool {
		return len(c.expect(t, exitOK, u, "dead-letters", "--json").jsonLines(t)) == 0
	}, "no dead letter left")
	r = c.expect(t, exitOK, u, "dead-letters")
	assert.Equal(t, "no dead letters\n", r.stdout)

	// A reset: refused while the runner holds the lease; forced, the running runner replays.
	r = c.expect(t, exitFailure, u, "projection", "reset", "orders_view")
	assert.Contains(t, r.stderr, `"app-1" holds its lease`)
	c.expect(t, exitNotFound, u, "projection", "reset", "no_view", "--force")
	c.expect(t, exitUsage, u, "projection", "reset", "orders_view", "--to", "-1")
	c.expect(t, exitUsage, u, "projection", "reset", "orders_view", "--force", "--to", strconv.FormatInt(stream[6].GlobalPosition+1_000_000, 10))
	c.expect(t, exitUsage, u, "projection", "rewind", "orders_view")
	before := len(a.appliedIDs(t))
	r = c.expect(t, exitOK, u, "projection", "reset", "orders_view", "--force", "--to", pos(3))
	assert.Contains(t, r.stdout, fmt.Sprintf("projection orders_view: checkpoint moved from %d to %d", stream[6].GlobalPosition, stream[3].GlobalPosition))
	replayed := stream[4:]
	if !pg { // SQLite signals commits within the process only: a new event wakes the runner at once
		replayed = append(replayed, a.save(t, "order-3", "Order", 0, 1)...)
	}
	testkit.WaitFor(t, 30*time.Second, func() bool { return len(a.appliedIDs(t)) >= before+len(replayed) }, "the runner to replay")
	got := a.appliedIDs(t)[before:]
	want := make([]string, len(replayed))
	for i, e := range replayed {
		want[i] = e.EventID
	}
	assert.Equal(t, want, got, "the events after the reset position, again, in order")

	// Health.
	testkit.WaitFor(t, 30*time.Second, func() bool {
		r := c.run(t, u, "health")
		return r.code == exitOK && strings.Contains(r.stdout, "outbox orders: pending 0")
	}, "a healthy report, the relay done")
	r = c.expect(t, exitOK, u, "health")
	assert.Regexp(t, `(?m)^healthy \(`+map[bool]string{true: "postgres", false: "sqlite"}[pg], r.stdout)
	assert.Regexp(t, `(?m)^ok   projection orders_view: state active`, r.stdout)
	assert.Regexp(t, `(?m)^ok   outbox orders: pending 0`, r.stdout)
	lines = c.expect(t, exitOK, u, "health", "--json").jsonLines(t)
	assert.Equal(t, true, lines[0]["healthy"])
	require.NoError(t, a.runner.Stop(t.Context()))
	a.save(t, "order-1", "Order", 3, 3)
	strict := filepath.Join(c.dir, "strict.yaml")
	require.NoError(t, os.WriteFile(strict, []byte("pyfly:\n  eventsourcing:\n    health:\n      projection-lag: 2\n"), 0o600))
	r = c.expect(t, exitUnhealthy, u, "--config", strict, "health")
	assert.Regexp(t, `(?m)^UNHEALTHY`, r.stdout)
	assert.Regexp(t, `(?m)^FAIL projection orders_view: state stopped`, r.stdout)
	assert.Contains(t, r.stdout, "3 events behind (threshold 2)")
	lines = c.expect(t, exitUnhealthy, u, "--config", strict, "health", "--json").jsonLines(t)
	assert.Equal(t, false, lines[0]["healthy"])
	r = c.expect(t, exitUnhealthy, u, "health")
	assert.Contains(t, r.stdout, "stopped: no runner applies its events (3 waiting)")
	assert.NotContains(t, r.stdout, "events behind", "under the default lag threshold")

	// The rest of the commands' refusals.
	if pg {
		r = c.expect(t, exitOK, u, "horizon")
		assert.Regexp(t, `(?m)^newest readable: \d+$`, r.stdout)
		r = c.expect(t, exitOK, u, "renumber", "--confirm")
		assert.Contains(t, r.stdout, "nothing to renumber")
	} else {
		r = c.expect(t, exitFailure, u, "horizon")
		assert.Contains(t, r.stderr, "SQLite has no read horizon")
		c.expect(t, exitFailure, u, "renumber", "--confirm")
	}
	r = c.expect(t, exitUsage, u, "renumber")
	assert.Contains(t, r.stderr, "esctl renumber --confirm")
	c.expect(t, exitUsage, u, "no-such-command")
	c.expect(t, exitUsage)
	assert.Contains(t, c.expect(t, exitOK, "help").stdout, "Exit codes: 0 success, 1 failure, 2 usage error, 3 not found, 4 unhealthy.")
	c.expect(t, exitOK, "projections", "--help")
}

// lazy is a value computed when it is formatted.
type lazy func() any

func (f lazy) String() string { return fmt.Sprint(f()) }

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestConfiguredLikeTheModule: esctl reads ./application.yaml, the file --config names, and the
// PYFLY_* environment, as the module does; with the event store in memory it says to set a URL.
func TestConfiguredLikeTheModule(t *testing.T) {
	url := testkit.SQLiteFileURL(t)
	yaml := "pyfly:\n  eventsourcing:\n    enabled: true\n    store:\n      provider: bun\n      url: " + url + "\n"

	c := newCLI(t)
	r := c.expect(t, exitFailure, "projections")
	assert.Contains(t, r.stderr, "pyfly.eventsourcing.store.provider: is memory")
	require.NoError(t, os.WriteFile(filepath.Join(c.dir, "application.yaml"), []byte(yaml), 0o600))
	c.expect(t, exitOK, "migrate")
	assert.Equal(t, "no projections: no checkpoint and no dead letter is stored\n", c.expect(t, exitOK, "projections").stdout)

	other := newCLI(t)
	file := filepath.Join(t.TempDir(), "es.yaml")
	require.NoError(t, os.WriteFile(file, []byte(yaml), 0o600))
	other.expect(t, exitOK, "--config", file, "migrate", "--check")
	r = other.expect(t, exitFailure, "--config", filepath.Join(t.TempDir(), "missing.yaml"), "projections")
	assert.Contains(t, r.stderr, "missing.yaml")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("pyfly:\n  eventsourcing:\n    stor: {}\n"), 0o600))
	r = other.expect(t, exitFailure, "--config", bad, "projections")
	assert.Contains(t, r.stderr, "pyfly.eventsourcing.stor: unknown key")

	env := newCLI(t, "PYFLY_EVENTSOURCING_STORE_PROVIDER=bun", "PYFLY_EVENTSOURCING_STORE_URL="+url)
	env.expect(t, exitOK, "migrate", "--check")
	envFile := newCLI(t, "PYFLY_CONFIG="+file)
	envFile.expect(t, exitOK, "migrate", "--check")

	r = newCLI(t).expect(t, exitUsage, "--url", "mysql://h/db", "projections")
	assert.Contains(t, r.stderr, "unsupported scheme")
}

// TestStoredTextIsQuoted: text a caller stored (an aggregate id with a terminal escape and a line
// break, a type with a tab) shows quoted in tables, so it can neither drive the terminal nor
// forge a line, and exactly in JSON.
func TestStoredTextIsQuoted(t *testing.T) {
	url := testkit.SQLiteFileURL(t)
	c := newCLI(t)
	u := "--url=" + url
	c.expect(t, exitOK, u, "migrate")
	a := openApp(t, url)
	const evil = "evil\x1b[2J\nok   forged"
	a.save(t, evil, "Ty\tpe", 0, 1)
	for _, args := range [][]string{{"aggregates"}, {"tail"}, {"events", evil}} {
		r := c.expect(t, exitOK, append([]string{u}, args...)...)
		assert.NotContains(t, r.stdout, "\x1b", "%v", args)
		assert.NotContains(t, r.stdout, "\nok   forged", "%v", args)
		assert.Contains(t, r.stdout, `"evil\x1b[2J\nok   forged"`, "%v", args)
	}
	lines := c.expect(t, exitOK, u, "aggregates", "--json").jsonLines(t)
	assert.Equal(t, evil, lines[0]["aggregate_id"])
	assert.Equal(t, "Ty\tpe", lines[0]["aggregate_type"])
}
