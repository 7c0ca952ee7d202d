//go:build unix

package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gofly/eventsourcing/internal/testserver"
)

// Server is a PostgreSQL server started for one test alone, for tests that crash, restart or
// reconfigure it; the server [Start] shares must stay up for the other tests.
type Server struct {
	srv *instance
	url string
}

// NewServer starts a server for t and stops it, removing its data, when t ends (or when
// the test binary dies, however it dies). settings are extra server settings such as
// "synchronous_commit=off". Without PostgreSQL the test is skipped, unless ES_REQUIRE_POSTGRES=1.
func NewServer(t testing.TB, settings ...string) *Server {
	t.Helper()
	if _, err := findPostgresBinDir(); err != nil {
		testserver.SkipOrFail(t, "pgtest", envRequirePostgres, err)
	}
	srv := &instance{settings: settings}
	url, err := srv.start()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { _ = srv.watchdog.Close() }) // the watchdog stops the server and removes its files
	return &Server{srv: srv, url: url}
}

// URL is the server's "postgres" database.
func (p *Server) URL() string { return p.url }

// Kill ends the server as a crash would: SIGKILL to the postmaster and every server process,
// without a shutdown checkpoint. It returns once they are gone.
func (p *Server) Kill() error {
	pid, err := p.postmasterPID()
	if err != nil {
		return err
	}
	pids := append(childrenOf(pid), pid)
	for _, q := range pids {
		_ = syscall.Kill(q, syscall.SIGKILL)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, q := range pids {
		for syscall.Kill(q, 0) == nil {
			if time.Now().After(deadline) {
				return fmt.Errorf("pgtest: server process %d still runs after SIGKILL", q)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

// Restart starts the server again on its data and port, running crash recovery after [Kill].
func (p *Server) Restart() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	_ = os.Remove(filepath.Join(p.srv.dataDir, "postmaster.pid")) // left behind by a SIGKILL
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		if _, err = p.srv.run(ctx, p.srv.port); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond) // the port or shared memory may still be held briefly
	}
	return err
}

// postmasterPID reads the first line of postmaster.pid.
func (p *Server) postmasterPID() (int, error) {
	b, err := os.ReadFile(filepath.Join(p.srv.dataDir, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("pgtest: the server is not running: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return 0, errors.New("pgtest: postmaster.pid holds no process id")
	}
	return pid, nil
}

// childrenOf lists the processes whose parent is pid, from /proc (Linux); elsewhere none, and the
// postmaster's children end by themselves once it is gone.
func childrenOf(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		q, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces, so read after the last ')'.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, q)
		}
	}
	return out
}
