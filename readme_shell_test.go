package eventsourcing_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/testkit/natstest"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// notRunByTests are the README's shell commands that TestReadmeShellCommands does not run, and
// why.
var notRunByTests = map[string]string{
	"make test": "runs every test of the module, this one included, for minutes",
	"go install github.com/gofly/eventsourcing/cmd/esctl@latest": "fetches the published module through the Go module proxy; " +
		"cmd/esctl's tests build the binary from this checkout and run every subcommand",
}

// readmeCommandOutput is, for each README shell command the test runs, a line its output holds.
// The placeholders ROOT (the repository's root) are replaced before the check.
var readmeCommandOutput = map[string]string{
	"make run": "Database: SQLite file ROOT/orders.db (events, snapshots, read model, checkpoints and outbox)",
	"go run ./examples/orders -url postgres://user@localhost/orders":          "Database: PostgreSQL postgres://",
	"PYFLY_EVENTSOURCING_STORE_URL=postgres://user@localhost/orders make run": "Reloaded 3 orders stored by earlier runs.",
	"go run ./examples/orders -nats nats://localhost:4222":                    "Bus: NATS JetStream, stream PYFLY_EVENTS",
}

// The servers the README's commands name, and what the test runs them against.
const (
	readmePostgresURL = "postgres://user@localhost/orders"
	readmeNATSURL     = "nats://localhost:4222"
)

// shellCommands returns the commands of the README's sh and bash blocks, in order: one a line,
// comments and blank lines dropped, lines ending in a backslash joined to the next.
func shellCommands(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, lang := range []string{"sh", "bash"} {
		for _, block := range fences(t, lang) {
			joined := strings.ReplaceAll(block, "\\\n", " ")
			for _, line := range strings.Split(joined, "\n") {
				if i := strings.Index(line, " #"); i >= 0 {
					line = line[:i]
				}
				line = strings.Join(strings.Fields(line), " ")
				if line != "" && !strings.HasPrefix(line, "#") {
					out = append(out, line)
				}
			}
		}
	}
	return out
}

// Each shell command of the README runs as written from the repository's root (of a copy, so
// that the files they write stay out of the checkout), in the README's order, against the test
// kit's PostgreSQL and NATS servers where it names one: it exits with 0 and prints the line
// readmeCommandOutput expects.
func TestReadmeShellCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example")
	}
	t.Parallel()
	commands := shellCommands(t)
	require.NotEmpty(t, commands)
	for _, c := range commands {
		_, skip := notRunByTests[c]
		_, check := readmeCommandOutput[c]
		require.True(t, skip || check, "README shell command %q: give it a line of output in readmeCommandOutput, or a reason in notRunByTests", c)
	}
	for c := range readmeCommandOutput {
		require.Contains(t, commands, c, "readmeCommandOutput names a command the README does not have")
	}
	for c := range notRunByTests {
		require.Contains(t, commands, c, "notRunByTests names a command the README does not have")
	}

	root := copyOfRepository(t)
	var pgURL, natsURL string
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PYFLY_") {
			env = append(env, kv)
		}
	}
	for _, c := range commands {
		if _, skip := notRunByTests[c]; skip {
			continue
		}
		run := c
		if strings.Contains(run, readmePostgresURL) {
			if pgURL == "" {
				pgURL = pgtest.Start(t)
			}
			run = strings.ReplaceAll(run, readmePostgresURL, pgURL)
		}
		if strings.Contains(run, readmeNATSURL) {
			if natsURL == "" {
				natsURL = natstest.Start(t)
			}
			run = strings.ReplaceAll(run, readmeNATSURL, natsURL)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		cmd := exec.CommandContext(ctx, "sh", "-c", run)
		cmd.Dir, cmd.Env = root, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		cancel()
		require.NoError(t, err, "README command %q (run as %q) failed:\n%s", c, run, out.String())
		want := strings.ReplaceAll(readmeCommandOutput[c], "ROOT", root)
		require.Contains(t, out.String(), want, "README command %q", c)
	}
}

// copyOfRepository copies the repository's files (not .git, not SQLite files) into a temporary
// directory and returns it.
func copyOfRepository(t *testing.T) string {
	t.Helper()
	src, err := os.Getwd()
	require.NoError(t, err)
	dst := t.TempDir()
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		name := d.Name()
		switch {
		case name == ".git" && d.IsDir():
			return filepath.SkipDir
		case name == ".git": // a worktree's pointer to its repository
			return nil
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case !d.Type().IsRegular() || strings.Contains(name, ".db") || strings.HasSuffix(name, ".test"):
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	require.NoError(t, err)
	return dst
}
