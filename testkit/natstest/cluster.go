package natstest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gofly/eventsourcing/internal/testserver"
)

const (
	// envNATSClusterURLs names the client URLs of an existing NATS cluster (with JetStream), one
	// per node, separated by commas, to use instead of a local throwaway one.
	envNATSClusterURLs = "ES_TEST_NATS_CLUSTER_URLS"
	// maxClusterNodes is the most nodes [StartCluster] starts.
	maxClusterNodes = 9
)

// Cluster is a NATS cluster with JetStream for one test: the client URLs of its nodes and, for
// a cluster the test kit started, a handle to kill and restart a node by index. Its methods are
// safe for concurrent use.
type Cluster struct {
	urls []string

	mu    sync.Mutex
	nodes []*clusterNode // the nodes the test kit started, by index; nil for a cluster of the environment
}

// StartCluster returns a NATS cluster of n nodes (1 to 9) with JetStream, for streams replicated
// up to n times.
//
// When ES_TEST_NATS_CLUSTER_URLS is set, it names the client URLs of an existing cluster, one per
// node, separated by commas; the test fails unless it names n. Otherwise StartCluster starts n
// nodes from the installed nats-server binary, for t alone: each on 127.0.0.1 with free client,
// route and monitoring ports, its own JetStream store directory, and routes to the others. It
// returns once every node is current with the cluster's JetStream meta leader. The nodes stop,
// and their directories are removed, when t ends (or when the test binary dies, however it dies).
//
// Without nats-server the test is skipped, unless ES_REQUIRE_NATS=1, in which case it fails.
// Other platforms than Unix have no launcher: set ES_TEST_NATS_CLUSTER_URLS there.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	if n < 1 || n > maxClusterNodes {
		t.Fatalf("natstest: StartCluster: the number of nodes must be 1 to %d, got %d", maxClusterNodes, n)
	}
	urls, err := testserver.URLsFromEnv(envNATSClusterURLs, "nats", "tls")
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	if urls != nil {
		if len(urls) != n {
			t.Fatalf("natstest: %s names %d servers; the test wants a cluster of %d", envNATSClusterURLs, len(urls), n)
		}
		return &Cluster{urls: urls}
	}
	c, err := startLocalCluster(n)
	if errors.Is(err, errNoNATS) {
		testserver.SkipOrFail(t, "natstest", envRequireNATS, err)
	}
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	t.Cleanup(c.stop)
	return c
}

// URLs returns the client URLs of the nodes, by index (nats://127.0.0.1:port for a local
// cluster).
func (c *Cluster) URLs() []string { return slices.Clone(c.urls) }

// URL returns the client URLs joined by commas, as nats.Connect takes them: a client connects to
// one of the nodes and reconnects to another when its node goes away.
func (c *Cluster) URL() string { return strings.Join(c.urls, ",") }

// Local reports whether the test kit started the cluster, so that [Cluster.Kill] and
// [Cluster.Restart] work; a cluster named by ES_TEST_NATS_CLUSTER_URLS is not local.
func (c *Cluster) Local() bool { return c.nodes != nil }

// Index returns the index of the local node whose server name is name, as JetStream reports it
// (in a stream's cluster information, for instance), or -1 when no local node has that name. The
// test kit names its nodes node-0, node-1, …
func (c *Cluster) Index(name string) int {
	if !c.Local() {
		return -1
	}
	for i := range c.nodes {
		if nodeName(i) == name {
			return i
		}
	}
	return -1
}

// Kill ends node i with SIGKILL, as a crash would, and returns once its ports are closed. Its
// store directory stays for [Cluster.Restart].
func (c *Cluster) Kill(i int) error {
	return c.control(i, "kill", false, (*clusterNode).kill)
}

// Restart starts node i again, after [Cluster.Kill], on its ports and store directory, and
// returns once it is current with the cluster: with the meta leader and with every stream
// replica it holds.
func (c *Cluster) Restart(i int) error {
	return c.control(i, "restart", true, (*clusterNode).restart)
}

// control runs action (named verb) on local node i, which must be killed when killed is true and
// running otherwise; once action has succeeded, the node is the other way round.
func (c *Cluster) control(i int, verb string, killed bool, action func(*clusterNode) error) error {
	n, err := c.node(i)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n.killed != killed {
		if killed {
			return fmt.Errorf("natstest: node %d is running; Kill it first", i)
		}
		return fmt.Errorf("natstest: node %d is not running; Restart it first", i)
	}
	if err := action(n); err != nil {
		return fmt.Errorf("natstest: %s node %d: %w", verb, i, err)
	}
	n.killed = !killed
	return nil
}

// node returns local node i.
func (c *Cluster) node(i int) (*clusterNode, error) {
	if !c.Local() {
		return nil, fmt.Errorf("natstest: the cluster named by %s is not the test kit's to kill or restart; check Cluster.Local", envNATSClusterURLs)
	}
	if i < 0 || i >= len(c.nodes) {
		return nil, fmt.Errorf("natstest: no node %d: the cluster has nodes 0 to %d", i, len(c.nodes)-1)
	}
	return c.nodes[i], nil
}

// nodeName is the server name of local node i.
func nodeName(i int) string { return fmt.Sprintf("node-%d", i) }
