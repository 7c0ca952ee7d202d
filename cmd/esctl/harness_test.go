package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// binary is the esctl binary TestMain builds for the tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "esctl-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "esctl")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build esctl:", err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs the esctl binary in dir with env (and no PYFLY_* variable of the test's own).
type cli struct {
	dir string
	env []string
	log *outputs // every output, to look for secrets in
}

func newCLI(t *testing.T, env ...string) cli {
	var clean []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PYFLY_") {
			clean = append(clean, kv)
		}
	}
	return cli{dir: t.TempDir(), env: append(clean, env...), log: &outputs{}}
}

// result is what a run printed and its exit code.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("esctl %q: exit %d\nstdout:\n%s\nstderr:\n%s", r.args, r.code, r.stdout, r.stderr)
}

// jsonLines decodes stdout's lines.
func (r result) jsonLines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "a line of JSON: %s\n%s", line, r)
		out = append(out, m)
	}
	return out
}

// outputs collects every output of a cli's runs.
type outputs struct {
	mu  sync.Mutex
	all []string
}

func (o *outputs) add(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.all = append(o.all, s)
}

// text is every output so far.
func (o *outputs) text() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.all, "\n")
}

// run runs esctl with args and returns what it printed.
func (c cli) run(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir, cmd.Env = c.dir, c.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else {
		require.NoError(t, err, "run esctl %q", args)
	}
	c.log.add(r.stdout + r.stderr)
	return r
}

// expect runs esctl and checks its exit code.
func (c cli) expect(t *testing.T, code int, args ...string) result {
	t.Helper()
	r := c.run(t, args...)
	require.Equal(t, code, r.code, "%s", r)
	return r
}

// follower is esctl running in the background, read line by line.
type follower struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan error
}

// start runs esctl in the background.
func (c cli) start(t *testing.T, args ...string) *follower {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir, cmd.Env = c.dir, c.env
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	f := &follower{cmd: cmd, lines: make(chan string, 1000), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f.lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, stdout)
		close(f.lines)
		f.done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	t.Cleanup(func() { c.log.add(stderr.String()) })
	return f
}

// next returns the next line, failing t after timeout.
func (f *follower) next(t *testing.T, timeout time.Duration) string {
	t.Helper()
	select {
	case l, ok := <-f.lines:
		require.True(t, ok, "esctl ended early")
		return l
	case <-time.After(timeout):
		t.Fatalf("no line from esctl within %v", timeout)
	}
	return ""
}
