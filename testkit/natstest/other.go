//go:build !unix

package natstest

import (
	"errors"
	"runtime"
)

// errNoNATS reports that this platform has no NATS launcher.
var errNoNATS = errors.New("no NATS launcher on this platform (" + runtime.GOOS + "); set " +
	envNATSURL + " to the URL of a server with JetStream")

// localNATSURL reports that no local server can be started here: the launcher needs Unix
// processes and signals.
func localNATSURL() (string, error) { return "", errNoNATS }
