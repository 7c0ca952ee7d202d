//go:build unix

package natstest_test

import (
	"bufio"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/testkit/natstest"
)

// envChild makes TestServerChild start a server, print its URL and wait to be killed.
const envChild = "ES_NATSTEST_CHILD"

// TestServerChild is the test binary's child process in TestServerGoneWhenBinaryKilled.
func TestServerChild(t *testing.T) {
	if os.Getenv(envChild) != "1" {
		t.Skip("runs as the child of TestServerGoneWhenBinaryKilled")
	}
	os.Stdout.WriteString("URL " + natstest.Start(t) + "\n")
	time.Sleep(time.Hour)
}

// TestServerGoneWhenBinaryKilled: a test binary killed with SIGKILL leaves no server and no
// directory behind.
func TestServerGoneWhenBinaryKilled(t *testing.T) {
	natstest.Start(t) // skips (or fails) without nats-server, like the child would
	if os.Getenv("ES_TEST_NATS_URL") != "" {
		t.Skip("a server named by ES_TEST_NATS_URL is not started by the test kit")
	}
	tmp := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerChild$", "-test.v")
	cmd.Env = append(os.Environ(), envChild+"=1", "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	var addr string
	lines := bufio.NewScanner(out)
	for addr == "" && lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "URL "); ok {
			u, err := url.Parse(rest)
			require.NoError(t, err)
			addr = u.Host
		}
	}
	require.NotEmpty(t, addr, "the child printed its server's URL")
	dirs, _ := filepath.Glob(filepath.Join(tmp, "es-nats-*"))
	require.Len(t, dirs, 1, "the server keeps its store under TMPDIR")
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	require.NoError(t, err, "the server runs")
	_ = conn.Close()

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		dirs, _ := filepath.Glob(filepath.Join(tmp, "es-nats-*"))
		if err != nil && len(dirs) == 0 {
			return
		}
		if conn != nil {
			_ = conn.Close()
		}
		require.True(t, time.Now().Before(deadline), "the server and its directory are still there 30 s after the test binary died")
		time.Sleep(50 * time.Millisecond)
	}
}
