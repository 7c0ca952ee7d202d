//go:build !unix

package testkit

import (
	"errors"
	"runtime"
)

// errNoPostgres reports that this platform has no PostgreSQL launcher.
var errNoPostgres = errors.New("no PostgreSQL launcher on this platform (" + runtime.GOOS + "); set " +
	envPostgresURL + " to the URL of a server")

// localAdminURL reports that no local server can be started here: the launcher needs Unix
// processes, users and signals.
func localAdminURL() (string, error) { return "", errNoPostgres }
