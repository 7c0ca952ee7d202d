//go:build !unix

package testkit

import (
	"errors"
	"runtime"
	"testing"
)

// errNoPostgres reports that this platform has no PostgreSQL launcher.
var errNoPostgres = errors.New("no PostgreSQL launcher on this platform (" + runtime.GOOS + "); set " +
	envPostgresURL + " to the URL of a server")

// localAdminURL reports that no local server can be started here: the launcher needs Unix
// processes, users and signals.
func localAdminURL() (string, error) { return "", errNoPostgres }

// PostgresServer is a PostgreSQL server of one test; this platform has no launcher.
type PostgresServer struct{}

// NewPostgresServer skips t, or fails it when ES_REQUIRE_POSTGRES=1: this platform has no launcher.
func NewPostgresServer(t testing.TB, _ ...string) *PostgresServer {
	t.Helper()
	skipOrFail(t, envRequirePostgres, errNoPostgres)
	return nil
}

// URL is empty: there is no server.
func (*PostgresServer) URL() string { return "" }

// Kill reports that there is no server.
func (*PostgresServer) Kill() error { return errNoPostgres }

// Restart reports that there is no server.
func (*PostgresServer) Restart() error { return errNoPostgres }
