package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/testkit/natstest"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// inTempDir moves the test into a directory of its own and returns the example's configuration
// file, which names the SQLite file relative to the working directory.
func inTempDir(t *testing.T) string {
	t.Helper()
	config, err := filepath.Abs("application.yaml")
	require.NoError(t, err)
	t.Chdir(t.TempDir())
	return config
}

// runOnce runs the application with the given configuration file and returns its account.
func runOnce(t *testing.T, config, url, natsURL string) string {
	t.Helper()
	var out strings.Builder
	require.NoError(t, run(context.Background(), &out, config, url, natsURL))
	return out.String()
}

// On the embedded default, SQLite in a file next to it: the first run starts from nothing, the
// second reloads what the first stored and carries on, and deleting the file starts over.
func TestRunTwiceOnSQLite(t *testing.T) {
	config := inTempDir(t)
	first := runOnce(t, config, "", "")
	dir, err := os.Getwd()
	require.NoError(t, err)
	db := filepath.Join(dir, "orders.db")
	assert.Contains(t, first, "Configuration: "+config+"\n")
	assert.Contains(t, first, "Database: SQLite file "+db+" (events, snapshots, read model, checkpoints and outbox)\n")
	assert.Contains(t, first, "No orders yet: this is the first run.")
	assert.Contains(t, first, "9 events saved in this run, 9 received")
	assert.Contains(t, first, "order-001: order.placed (sequence 1), order.line_added (sequence 2), order.line_added (sequence 3), order.shipped (sequence 4)")
	assert.Contains(t, first, "placed    1: order-003 Linus €35.00")
	assert.Contains(t, first, "Snapshots (one each time a save crosses a multiple of 3, pyfly.eventsourcing.snapshot.interval):\n"+
		"  taken: order-001 at version 4, order-002 at version 3\n"+
		"  loaded: order-001 from its snapshot at version 4 and 0 events after it\n")
	assert.Contains(t, first, "To start over, delete the database file and its -wal and -shm files: rm "+db+"*\n")

	second := runOnce(t, config, "", "")
	assert.Contains(t, second, "Reloaded 3 orders stored by earlier runs.")
	assert.Contains(t, second, "order-003 (Linus, 1 line, €35.00) was open: reloaded it at version 2 and shipped it with DHL.")
	assert.Contains(t, second, "shipped   3: order-001 Ada €21.00, order-003 Linus €35.00, order-004 Ada €21.00")
	assert.Contains(t, second, "10 events saved in this run, 10 received")
	assert.Contains(t, second, "order-003: order.shipped (sequence 3)")
	assert.Contains(t, second, "  taken: order-003 at version 3, order-004 at version 4, order-005 at version 3\n")

	matches, err := filepath.Glob("orders.db*")
	require.NoError(t, err)
	require.NotEmpty(t, matches)
	for _, m := range matches {
		require.NoError(t, os.Remove(m))
	}
	again := runOnce(t, config, "", "")
	assert.Contains(t, again, "No orders yet: this is the first run.", "deleting the database file starts over")
}

// Without application.yaml in the working directory, -config or PYFLY_CONFIG, the example runs on
// its own configuration: it runs from any directory.
func TestRunWithItsOwnConfiguration(t *testing.T) {
	t.Setenv("PYFLY_CONFIG", "")
	inTempDir(t)
	dir, err := os.Getwd()
	require.NoError(t, err)
	out := runOnce(t, "", "", "")
	assert.Contains(t, out, "Configuration: the example's own application.yaml (no application.yaml in "+dir+")\n")
	assert.Contains(t, out, "Database: SQLite file "+filepath.Join(dir, "orders.db"))
	assert.Contains(t, out, "9 events saved in this run, 9 received")
	assert.FileExists(t, "orders.db")
}

// The same application on PostgreSQL, given its URL.
func TestRunOnPostgres(t *testing.T) {
	config := inTempDir(t)
	url := pgtest.Start(t)
	first := runOnce(t, config, url, "")
	assert.Contains(t, first, "No orders yet")
	assert.Contains(t, first, "Database: PostgreSQL postgres://")
	assert.Contains(t, first, "To start over, use an empty database, or drop the table orders_by_status and the pyfly_* tables.")
	assert.Contains(t, first, "  taken: order-001 at version 4, order-002 at version 3\n")
	second := runOnce(t, config, url, "")
	assert.Contains(t, second, "Reloaded 3 orders stored by earlier runs.")
	assert.NoFileExists(t, "orders.db", "nothing went to the SQLite default")
}

// The same application delivering through NATS JetStream.
func TestRunOnNATS(t *testing.T) {
	config := inTempDir(t)
	out := runOnce(t, config, "", natstest.Start(t))
	assert.Contains(t, out, "Bus: NATS JetStream, stream PYFLY_EVENTS\n")
	assert.Contains(t, out, "9 events saved in this run, 9 received")
	assert.Contains(t, out, "order-002: order.placed (sequence 1), order.line_added (sequence 2), order.cancelled (sequence 3)")
}

// A configuration error is printed alone, naming the key and what it meant, with exit status 2.
func TestConfigurationErrorIsPrintedAlone(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "orders.yaml")
	require.NoError(t, os.WriteFile(file, []byte("pyfly:\n  eventsourcing:\n    enabled: true\n    snapshot: {intervall: 3}\n"), 0o600))
	var out, stderr strings.Builder
	err := run(context.Background(), &out, file, "", "")
	require.Error(t, err)
	require.Greater(t, len(err.Error()), 200, "Fx's words around the module's")
	assert.Equal(t, 2, report(&stderr, err))
	assert.Equal(t, "orders: eventsourcing: pyfly.eventsourcing.snapshot.intervall: unknown key; did you mean `pyfly.eventsourcing.snapshot.interval`?\n", stderr.String())
	assert.Empty(t, out.String())

	stderr.Reset()
	assert.Equal(t, 1, report(&stderr, errors.New("boom")))
	assert.Equal(t, "orders: boom\n", stderr.String())
	assert.Equal(t, 0, report(&stderr, nil))
}
