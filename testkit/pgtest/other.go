//go:build !unix

package pgtest

import (
	"errors"
	"runtime"
	"testing"

	"github.com/gofly/eventsourcing/internal/testserver"
)

// errNoPostgres reports that this platform has no PostgreSQL launcher.
var errNoPostgres = errors.New("no PostgreSQL launcher on this platform (" + runtime.GOOS + "); set " +
	envPostgresURL + " to the URL of a server")

// localAdminURL reports that no local server can be started here: the launcher needs Unix
// processes, users and signals.
func localAdminURL() (string, error) { return "", errNoPostgres }

// Server is a PostgreSQL server of one test; this platform has no launcher.
type Server struct{}

// NewServer skips t, or fails it when ES_REQUIRE_POSTGRES=1: this platform has no launcher.
func NewServer(t testing.TB, _ ...string) *Server {
	t.Helper()
	testserver.SkipOrFail(t, "pgtest", envRequirePostgres, errNoPostgres)
	return nil
}

// URL is empty: there is no server.
func (*Server) URL() string { return "" }

// Kill reports that there is no server.
func (*Server) Kill() error { return errNoPostgres }

// Restart reports that there is no server.
func (*Server) Restart() error { return errNoPostgres }
