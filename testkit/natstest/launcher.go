//go:build unix

package natstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/gofly/eventsourcing/internal/testserver"
)

// errNoNATS reports that no nats-server binary is installed.
var errNoNATS = errors.New("no nats-server binary found (looked in PATH, /usr/sbin, /usr/local/bin and /usr/bin); " +
	"install it (apt-get install nats-server) or set " + envNATSURL + " to the URL of a server with JetStream")

// localNATS is the throwaway server of this test binary, started on first use.
var localNATS natsServer

// localNATSURL starts this test binary's server on first use and returns its URL.
func localNATSURL() (string, error) { return localNATS.url() }

// natsServer is one nats-server per test binary.
type natsServer struct {
	once sync.Once
	u    string
	err  error
	// watchdog is the write end of the watchdog's stdin. It stays referenced for the life of the
	// process: closing it, explicitly or by the process exiting, stops the server.
	watchdog *os.File
}

// url starts the server on first use and returns its URL.
func (s *natsServer) url() (string, error) {
	s.once.Do(func() { s.u, s.err = s.start() })
	return s.u, s.err
}

// natsWatchdogScript starts the server, waits for EOF on stdin (the test binary has exited or
// given up on the server), then stops the server and removes its directory.
// Arguments: $1 nats-server, $2 port, $3 temp dir.
const natsWatchdogScript = `trap '' HUP INT
"$1" -js -a 127.0.0.1 -p "$2" -sd "$3/js" -l "$3/server.log" &
pid=$!
while read -r line; do :; done
` + stopServerScript + `rm -rf "$3"
`

// stopServerScript is the part of a watchdog script that stops the server whose process id is
// $pid: SIGTERM, and SIGKILL when it still runs 5 s later.
const stopServerScript = `kill -TERM "$pid" 2>/dev/null
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i+1)); done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
`

const (
	natsStartAttempts = 3
	natsStartTimeout  = 30 * time.Second
)

func (s *natsServer) start() (string, error) {
	bin, err := findNATSServer()
	if err != nil {
		return "", err
	}
	var lastErr error
	for range natsStartAttempts {
		u, err := s.launch(bin)
		if err == nil {
			return u, nil
		}
		lastErr = err
	}
	return "", lastErr
}

// launch starts one server on a free port under its own watchdog and waits until it serves
// JetStream; on failure the watchdog stops it and removes its directory.
func (s *natsServer) launch(bin string) (string, error) {
	dir, err := os.MkdirTemp("", "es-nats-")
	if err != nil {
		return "", fmt.Errorf("nats temp dir: %w", err)
	}
	port, err := testserver.FreePort()
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	w, err := testserver.Watchdog{Name: "nats", Script: natsWatchdogScript, Args: []string{bin, strconv.Itoa(port), dir}, Dir: dir}.Start()
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	u := "nats://127.0.0.1:" + strconv.Itoa(port)
	if err := waitForJetStream(u); err != nil {
		err = fmt.Errorf("start nats-server on port %d: %w\n--- server log (tail) ---\n%s", port, err, testserver.LogTail(filepath.Join(dir, "server.log")))
		_ = w.Close()
		return "", err
	}
	s.watchdog = w
	return u, nil
}

// waitForJetStream connects until the server answers with JetStream enabled.
func waitForJetStream(u string) error {
	deadline := time.Now().Add(natsStartTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		nc, err := nats.Connect(u, nats.Timeout(time.Second))
		if err == nil {
			js, jerr := nc.JetStream()
			if jerr == nil {
				_, jerr = js.AccountInfo()
			}
			nc.Close()
			if jerr == nil {
				return nil
			}
			err = jerr
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no JetStream answer within %s: %w", natsStartTimeout, lastErr)
}

// findNATSServer looks for nats-server on PATH, then where Debian and manual installs put it.
func findNATSServer() (string, error) {
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/nats-server", "/usr/local/bin/nats-server", "/usr/bin/nats-server"} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errNoNATS
}
