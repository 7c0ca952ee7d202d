//go:build unix

package main_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// TestHorizon: a writing transaction left open holds events behind the read horizon; esctl
// horizon names its session, esctl health fails on it until it ends.
func TestHorizon(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.Start(t)
	c := newCLI(t)
	u := "--url=" + dbURL
	c.expect(t, exitOK, u, "migrate")
	a := openApp(t, dbURL)
	a.save(t, "order-1", "Order", 0, 1)
	r := c.expect(t, exitOK, u, "horizon")
	assert.Contains(t, r.stdout, "waiting beyond the horizon: 0 events")

	holder, err := bunstore.Open(ctx, withParam(t, dbURL, "application_name", "stuck-job"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = holder.Close() })
	tx, err := holder.DB.BeginTx(ctx, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback() })
	_, err = tx.ExecContext(ctx, "SELECT pg_current_xact_id()")
	require.NoError(t, err)
	var pid int
	require.NoError(t, tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid))
	a.save(t, "order-1", "Order", 1, 2)

	r = c.expect(t, exitOK, u, "horizon")
	assert.Contains(t, r.stdout, "waiting beyond the horizon: 2 events")
	assert.Regexp(t, fmt.Sprintf(`(?m)^holder: pid %d, application stuck-job, state idle in transaction, open for \S+ \(since \S+\), database \S+, user postgres$`, pid), r.stdout)
	lines := c.expect(t, exitOK, u, "horizon", "--json").jsonLines(t)
	h := lines[0]
	assert.Equal(t, float64(2), h["waiting"])
	holderJSON := h["holder"].(map[string]any)
	assert.Equal(t, float64(pid), holderJSON["pid"])
	assert.Equal(t, "stuck-job", holderJSON["application_name"])
	_, err = strconv.ParseInt(h["newest_position"].(string), 10, 64)
	require.NoError(t, err, "positions are strings of digits")

	strict := filepath.Join(c.dir, "strict.yaml")
	require.NoError(t, os.WriteFile(strict, []byte("pyfly:\n  eventsourcing:\n    health:\n      horizon-age: 1ms\n"), 0o600))
	r = c.expect(t, exitUnhealthy, u, "--config", strict, "health")
	assert.Regexp(t, `(?m)^FAIL horizon: newest \d+, readable \d+$`, r.stdout)
	assert.Contains(t, r.stdout, fmt.Sprintf("2 events wait beyond the read horizon, held by the transaction of pid %d (application \"stuck-job\", idle in transaction)", pid))
	require.NoError(t, tx.Rollback())
	r = c.expect(t, exitOK, u, "--config", strict, "health")
	assert.Regexp(t, `(?m)^ok   horizon`, r.stdout)
}

// withParam returns the URL u with the query parameter key set to value.
func withParam(t *testing.T, u, key, value string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	require.NoError(t, err)
	q := parsed.Query()
	q.Set(key, value)
	parsed.RawQuery = q.Encode()
	return parsed.String()
}

// TestPasswordNeverShown: every command, run with a URL that carries a password (given with
// --url, in the environment and in the YAML file), and a database that cannot be reached,
// prints it nowhere, neither as written nor decoded.
func TestPasswordNeverShown(t *testing.T) {
	ctx := context.Background()
	const password = "S3cret:p@ss/w0rd?#x"
	dbURL := pgtest.Start(t)
	admin, err := bunstore.Open(ctx, dbURL)
	require.NoError(t, err)
	_, err = admin.DB.ExecContext(ctx, "CREATE ROLE esctl_ops LOGIN SUPERUSER PASSWORD '"+password+"'")
	_ = admin.Close()
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		require.NoError(t, err)
	}
	parsed, err := url.Parse(dbURL)
	require.NoError(t, err)
	parsed.User = url.UserPassword("esctl_ops", password)
	secretURL := parsed.String()
	encoded := strings.TrimPrefix(strings.SplitN(strings.TrimPrefix(secretURL, "postgres://"), "@", 2)[0], "esctl_ops:")
	require.NotEqual(t, password, encoded, "the URL holds the password percent-encoded")
	unreachable := strings.Replace(secretURL, parsed.Host, "127.0.0.1:1", 1)

	yaml := filepath.Join(t.TempDir(), "app.yaml")
	require.NoError(t, os.WriteFile(yaml, []byte("pyfly:\n  eventsourcing:\n    store:\n      provider: bun\n      url: \""+secretURL+"\"\n"), 0o600))
	ways := []struct {
		c    cli
		args []string
	}{
		{newCLI(t), []string{"--url", secretURL}},
		{newCLI(t, "PYFLY_EVENTSOURCING_STORE_PROVIDER=bun", "PYFLY_EVENTSOURCING_STORE_URL="+secretURL), nil},
		{newCLI(t), []string{"--config", yaml}},
	}
	commands := [][]string{
		{"migrate", "--check"}, {"migrate"}, {"migrate", "--check", "--json"}, {"aggregates"}, {"events", "nope"}, {"tail"},
		{"projections"}, {"projection", "reset", "nope"}, {"outbox"}, {"dead-letters"}, {"dead-letters", "retry", "x"},
		{"horizon"}, {"health"}, {"health", "--json"}, {"renumber", "--confirm"}, {"renumber"}, {"nope"},
	}
	for _, w := range ways {
		for _, cmd := range commands {
			w.c.run(t, append(append([]string(nil), w.args...), cmd...)...)
		}
	}
	down := newCLI(t)
	r := down.expect(t, exitFailure, "--url", unreachable, "projections")
	assert.Contains(t, r.stderr, "cannot reach the database")
	assert.Contains(t, r.stderr, "xxxxx", "the URL is shown redacted")
	downEnv := newCLI(t, "PYFLY_EVENTSOURCING_STORE_PROVIDER=bun", "PYFLY_EVENTSOURCING_STORE_URL="+unreachable)
	r = downEnv.expect(t, exitUnhealthy, "health")
	assert.Contains(t, r.stdout, "pyfly.eventsourcing.store.url: cannot be opened")

	for _, c := range []cli{ways[0].c, ways[1].c, ways[2].c, down, downEnv} {
		out := c.log.text()
		require.NotEmpty(t, out)
		for _, secret := range []string{password, encoded, "S3cret"} {
			assert.NotContains(t, out, secret)
		}
	}
	assert.Contains(t, ways[0].c.log.text(), "applied migration 0001_event_store", "the commands ran against the database")
}

// TestRenumberAfterRestore: a real pg_dump of a database restored into a fresh server holds
// positions ahead of the new server's transaction ids; esctl health says so, esctl renumber
// --confirm renumbers the events, checkpoints, dead letters and outbox records in order, and the
// application starts and carries on without pg_resetwal.
func TestRenumberAfterRestore(t *testing.T) {
	ctx := context.Background()
	bin := postgresBin(t)
	from := pgtest.NewServer(t)
	srcURL := createDatabase(t, from.URL(), "app")
	c := newCLI(t)
	c.expect(t, exitOK, "--url", srcURL, "migrate")

	// Transaction ids the fresh server will not have reached.
	burn, err := bunstore.Open(ctx, srcURL)
	require.NoError(t, err)
	for range 3000 {
		_, err := burn.DB.ExecContext(ctx, "SELECT pg_current_xact_id()")
		require.NoError(t, err)
	}
	require.NoError(t, burn.Close())

	src := openApp(t, srcURL)
	src.save(t, "order-1", "Order", 0, 3)
	src.save(t, "order-2", "Order", 0, 2)
	before := src.stream(t)
	poison := before[3]
	src.poisonProjection.Store(poison.EventID, true)
	src.startRunner(t)
	testkit.WaitFor(t, 30*time.Second, func() bool {
		l := c.expect(t, exitOK, "--url", srcURL, "projections", "--json").jsonLines(t)
		return len(l) == 1 && l[0]["position"] == strconv.FormatInt(before[4].GlobalPosition, 10) && l[0]["dead_letters"] == float64(1)
	}, "the projection to catch up, its poison event parked")
	require.NoError(t, src.runner.Stop(ctx))

	dump := filepath.Join(t.TempDir(), "app.dump")
	runTool(t, filepath.Join(bin, "pg_dump"), "--format=custom", "--file="+dump, srcURL)
	to := pgtest.NewServer(t)
	dstURL := createDatabase(t, to.URL(), "app")
	runTool(t, filepath.Join(bin, "pg_restore"), "--no-owner", "--exit-on-error", "--dbname="+dstURL, dump)

	u := "--url=" + dstURL
	r := c.expect(t, exitUnhealthy, u, "health")
	assert.Contains(t, r.stdout, "stored global positions are ahead of the server's transaction ids")
	c.expect(t, exitOK, u, "migrate", "--check")
	c.expect(t, exitUsage, u, "renumber")
	r = c.expect(t, exitOK, u, "renumber", "--confirm")
	assert.Contains(t, r.stdout, fmt.Sprintf("renumbered 5 events from positions %d..%d to 1..5, with 1 checkpoints, 1 dead letters and 5 outbox records",
		before[0].GlobalPosition, before[4].GlobalPosition))
	r = c.expect(t, exitOK, u, "renumber", "--confirm")
	assert.Contains(t, r.stdout, "nothing to renumber", "once is enough")
	c.expect(t, exitOK, u, "health")

	lines := c.expect(t, exitOK, u, "tail", "--json").jsonLines(t)
	require.Len(t, lines, 5)
	for i, l := range lines {
		assert.Equal(t, strconv.Itoa(i+1), l["global_position"])
		assert.Equal(t, before[i].EventID, l["event_id"], "in their former order")
	}
	p := c.expect(t, exitOK, u, "projections", "--json").jsonLines(t)[0]
	assert.Equal(t, "5", p["position"], "the checkpoint moved with the events")
	d := c.expect(t, exitOK, u, "dead-letters", "--projection", "orders_view", "--json").jsonLines(t)[0]
	assert.Equal(t, "4", d["global_position"])

	// The application starts on the restored database and goes on from its checkpoint.
	dst := openApp(t, dstURL)
	next := dst.save(t, "order-1", "Order", 3, 1)
	lines = c.expect(t, exitOK, u, "tail", "--from", "5", "--json").jsonLines(t)
	require.Len(t, lines, 1, "a new event sorts after the renumbered ones")
	assert.Equal(t, next[0].EventID, lines[0]["event_id"])
	dst.startRunner(t)
	testkit.WaitFor(t, 30*time.Second, func() bool { return len(dst.appliedIDs(t)) == 5 }, "the runner to apply the new event")
	assert.Equal(t, next[0].EventID, dst.appliedIDs(t)[4], "only the new event: the checkpoint held")
}

// postgresBin finds the PostgreSQL client programs.
func postgresBin(t *testing.T) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "pg_restore")); err == nil {
			return dirs[i]
		}
	}
	if p, err := exec.LookPath("pg_restore"); err == nil {
		return filepath.Dir(p)
	}
	t.Skip("pg_dump and pg_restore are not installed")
	return ""
}

// createDatabase creates a database on the server of serverURL and returns its URL.
func createDatabase(t *testing.T, serverURL, name string) string {
	t.Helper()
	ctx := context.Background()
	db, err := bunstore.Open(ctx, serverURL)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.DB.ExecContext(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	u, err := url.Parse(serverURL)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

// runTool runs a PostgreSQL client program.
func runTool(t *testing.T, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	require.NoError(t, err, "%s: %s", filepath.Base(name), out)
}
