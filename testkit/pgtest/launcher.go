//go:build unix

package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gofly/eventsourcing/internal/testserver"
)

// errNoPostgres reports that no PostgreSQL server binaries are installed.
var errNoPostgres = errors.New("no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin, `pg_config --bindir` and PATH); " +
	"install them (apt-get install postgresql) or set " + envPostgresURL + " to the URL of a server")

// localPostgres is the throwaway server of this test binary, started on first use.
var localPostgres instance

// localAdminURL starts this test binary's server on first use and returns the URL of its
// "postgres" database.
func localAdminURL() (string, error) { return localPostgres.adminURL() }

// instance is a throwaway PostgreSQL server: one per test binary (shared), or one for a test
// alone ([NewServer]).
type instance struct {
	once sync.Once
	url  string
	err  error
	// watchdog is the write end of the watchdog's stdin. It stays referenced for the life of the
	// process: closing it, explicitly, by a finalizer or by the process exiting, stops the server.
	watchdog *os.File

	// settings are extra server settings ("name=value"), beyond those every server gets.
	settings []string
	// Where it runs, set by start.
	bindir, dir, dataDir, sockDir string
	cred                          *syscall.Credential
	port                          int
}

// adminURL starts the server on first use and returns the URL of its "postgres" database.
func (s *instance) adminURL() (string, error) {
	s.once.Do(func() { s.url, s.err = s.start() })
	return s.url, s.err
}

// watchdogScript waits for EOF on stdin (the test binary has exited or given up on the server), then
// stops the server at once and removes its directory. Arguments: $1 pg_ctl, $2 data dir, $3 temp dir.
const watchdogScript = `trap '' HUP INT
while read -r line; do :; done
"$1" -D "$2" -m immediate -w -t 30 stop
rm -rf "$3"
`

const (
	startAttempts = 3
	startTimeout  = 2 * time.Minute
	pgCtlWait     = 60 // seconds pg_ctl waits for the server to accept connections
)

func (s *instance) start() (string, error) {
	bindir, err := findPostgresBinDir()
	if err != nil {
		return "", err
	}
	cred, err := serverCredential()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "es-pg-")
	if err != nil {
		return "", fmt.Errorf("postgres temp dir: %w", err)
	}
	dataDir := filepath.Join(dir, "data")
	sockDir := filepath.Join(dir, "sock")
	for _, d := range []string{dataDir, sockDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			_ = os.RemoveAll(dir)
			return "", fmt.Errorf("postgres temp dir: %w", err)
		}
	}
	if cred != nil {
		for _, d := range []string{dir, dataDir, sockDir} {
			if err := os.Chown(d, int(cred.Uid), int(cred.Gid)); err != nil {
				_ = os.RemoveAll(dir)
				return "", fmt.Errorf("postgres temp dir: %w", err)
			}
		}
	}

	pgCtl := filepath.Join(bindir, "pg_ctl")
	if err := s.startWatchdog(pgCtl, dir, dataDir, cred); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	s.bindir, s.dir, s.dataDir, s.sockDir, s.cred = bindir, dir, dataDir, sockDir, cred
	url, err := s.launch(bindir, dir, dataDir, sockDir, cred)
	if err != nil {
		// Let the watchdog stop whatever started and remove the directory.
		_ = s.watchdog.Close()
		return "", err
	}
	return url, nil
}

// launch runs initdb and starts the server, retrying on another port if the chosen one was taken.
// Its errors carry the end of the logs that explain them.
func (s *instance) launch(bindir, dir, dataDir, sockDir string, cred *syscall.Credential) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	initLog := filepath.Join(dir, "initdb.log")
	initdb := filepath.Join(bindir, "initdb")
	if err := runLogged(ctx, initLog, dir, cred, initdb,
		"-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		return "", fmt.Errorf("start PostgreSQL: %w\n--- initdb output (tail) ---\n%s", err, testserver.LogTail(initLog))
	}

	var lastErr error
	for range startAttempts {
		port, err := testserver.FreePort()
		if err != nil {
			return "", err
		}
		url, err := s.run(ctx, port)
		if err == nil {
			return url, nil
		}
		lastErr = err
		if !strings.Contains(testserver.LogTail(filepath.Join(dir, "server.log")), "already in use") {
			break
		}
	}
	return "", lastErr
}

// run starts the initialised server on port and waits until it accepts connections.
func (s *instance) run(ctx context.Context, port int) (string, error) {
	ctlLog := filepath.Join(s.dir, "pg_ctl.log")
	serverLog := filepath.Join(s.dir, "server.log")
	opts := fmt.Sprintf("-c fsync=off -c listen_addresses=127.0.0.1 -c max_connections=200 -p %d -k %s",
		port, shellQuote(s.sockDir))
	for _, kv := range s.settings {
		opts += " -c " + shellQuote(kv)
	}
	pgCtl := filepath.Join(s.bindir, "pg_ctl")
	if err := runLogged(ctx, ctlLog, s.dir, s.cred, pgCtl,
		"-D", s.dataDir, "-l", serverLog, "-w", "-t", strconv.Itoa(pgCtlWait), "-o", opts, "start"); err != nil {
		return "", fmt.Errorf("start PostgreSQL: pg_ctl start on port %d: %w\n%s", port, err, serverLogs(ctlLog, serverLog))
	}
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	if err := ping(ctx, url); err != nil {
		return "", fmt.Errorf("start PostgreSQL: connect to the new server: %w\n%s", err, serverLogs(ctlLog, serverLog))
	}
	s.port = port
	return url, nil
}

// serverLogs formats the end of pg_ctl's output and of the server log.
func serverLogs(ctlLog, serverLog string) string {
	return fmt.Sprintf("--- pg_ctl output (tail) ---\n%s\n--- server log (tail) ---\n%s", testserver.LogTail(ctlLog), testserver.LogTail(serverLog))
}

// startWatchdog starts the watchdog that stops the server at once and removes dir when this
// process closes its stdin or exits.
func (s *instance) startWatchdog(pgCtl, dir, dataDir string, cred *syscall.Credential) error {
	w, err := testserver.Watchdog{Name: "pg", Script: watchdogScript, Args: []string{pgCtl, dataDir, dir}, Dir: dir, Env: childEnv(), Cred: cred}.Start()
	if err != nil {
		return err
	}
	s.watchdog = w
	return nil
}

// runLogged runs a server tool as the server's user, appending its output to logPath.
func runLogged(ctx context.Context, logPath, dir string, cred *syscall.Credential, name string, args ...string) error {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", logPath, err)
	}
	defer func() { _ = logFile.Close() }()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = childEnv()
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(name), err)
	}
	return nil
}

// ping checks that the server accepts connections at url.
func ping(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	return conn.Ping(ctx)
}

// findPostgresBinDir returns the directory holding initdb, pg_ctl and postgres: the highest version under
// /usr/lib/postgresql, else `pg_config --bindir`, else the directory of initdb on PATH.
func findPostgresBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		return compareVersions(filepath.Base(filepath.Dir(b)), filepath.Base(filepath.Dir(a)))
	})
	for _, d := range dirs {
		if hasServerBinaries(d) {
			return d, nil
		}
	}
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		if out, err := exec.Command(pgConfig, "--bindir").Output(); err == nil {
			if d := strings.TrimSpace(string(out)); hasServerBinaries(d) {
				return d, nil
			}
		}
	}
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if d := filepath.Dir(initdb); hasServerBinaries(d) {
			return d, nil
		}
	}
	return "", errNoPostgres
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// compareVersions orders dotted numeric versions ("9.6" < "15"); non-numeric parts compare as text.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		an, aErr := strconv.Atoi(as[i])
		bn, bErr := strconv.Atoi(bs[i])
		if aErr == nil && bErr == nil {
			if an != bn {
				return an - bn
			}
			continue
		}
		if c := strings.Compare(as[i], bs[i]); c != 0 {
			return c
		}
	}
	return len(as) - len(bs)
}

// serverCredential returns the unprivileged user to run the server as when this process is root
// (initdb refuses root), or nil when it is not root.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	const fallbackUser = "esgotest"
	for _, name := range []string{"postgres", fallbackUser} {
		if cred, ok := unprivilegedUser(name); ok {
			return cred, nil
		}
	}
	if out, err := exec.Command("useradd", "-r", "-M", fallbackUser).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL needs an unprivileged user: no user postgres, and useradd -r -M %s failed: %w: %s",
			fallbackUser, err, bytes.TrimSpace(out))
	}
	if cred, ok := unprivilegedUser(fallbackUser); ok {
		return cred, nil
	}
	return nil, fmt.Errorf("running as root, PostgreSQL needs an unprivileged user: user %s not found after useradd", fallbackUser)
}

func unprivilegedUser(name string) (*syscall.Credential, bool) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, false
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil || uid == 0 {
		return nil, false
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, false
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, true
}

// childEnv is this process's environment without libpq/PostgreSQL variables that would redirect the
// server tools, and with a locale every system has.
func childEnv() []string {
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

// shellQuote quotes s for the POSIX shell that pg_ctl starts the server with.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
