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

// clusterNode is a node of a local cluster; this platform has none.
type clusterNode struct{ killed bool }

// startLocalCluster reports that no local cluster can be started here.
func startLocalCluster(int) (*Cluster, error) { return nil, errNoNATS }

// stop has nothing to stop.
func (*Cluster) stop() {}

// kill reports that there is no local node.
func (*clusterNode) kill() error { return errNoNATS }

// restart reports that there is no local node.
func (*clusterNode) restart() error { return errNoNATS }
