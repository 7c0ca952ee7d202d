//go:build unix

package natstest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gofly/eventsourcing/internal/testserver"
)

// clusterWatchdogScript starts one node of a cluster, then takes commands on stdin, one a line:
// "kill" ends the node with SIGKILL, "start" starts it again with the same arguments. At EOF on
// stdin (the test has ended, or the test binary has exited) it stops the node and removes its
// directory. Arguments: $1 nats-server, $2 the node's directory, then the server's options.
const clusterWatchdogScript = `trap '' HUP INT
bin=$1
dir=$2
shift 2
start() {
	"$bin" "$@" -sd "$dir/js" -l "$dir/server.log" &
	pid=$!
}
start "$@"
while read -r cmd; do
	case "$cmd" in
	kill)
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
		;;
	start)
		[ -z "$pid" ] && start "$@"
		;;
	esac
done
if [ -n "$pid" ]; then
` + stopServerScript + `fi
rm -rf "$dir"
`

// clusterStopTimeout bounds the wait for the nodes to go when a test ends.
const clusterStopTimeout = 10 * time.Second

// clusterNode is one node of a local cluster, looked after by its own watchdog.
type clusterNode struct {
	dir         string
	clientPort  int
	monitorPort int
	// watchdog is the write end of the watchdog's stdin: commands go there, and closing it stops
	// the node.
	watchdog *os.File
	killed   bool
}

// startLocalCluster starts n nodes from the installed nats-server, trying again on other ports
// when a start fails.
func startLocalCluster(n int) (*Cluster, error) {
	bin, err := findNATSServer()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range natsStartAttempts {
		c, err := launchCluster(bin, n)
		if err == nil {
			return c, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

// launchCluster starts n nodes routed to each other and waits until each is current with the
// meta leader; on failure it stops those it started.
func launchCluster(bin string, n int) (*Cluster, error) {
	ports, err := freePorts(3 * n) // client, route and monitoring port of each node
	if err != nil {
		return nil, err
	}
	routes := make([]string, n)
	for i := range n {
		routes[i] = "nats://127.0.0.1:" + strconv.Itoa(ports[3*i+1])
	}
	name := "es-natstest-" + strconv.Itoa(ports[0])
	c := &Cluster{nodes: []*clusterNode{}}
	for i := range n {
		node, err := startNode(bin, i, name, ports[3*i], ports[3*i+1], ports[3*i+2], routes)
		if err != nil {
			c.stop()
			return nil, err
		}
		c.nodes = append(c.nodes, node)
		c.urls = append(c.urls, node.url())
	}
	deadline := time.Now().Add(natsStartTimeout)
	for i, node := range c.nodes {
		if err := node.waitCurrent(deadline); err != nil {
			err = fmt.Errorf("start a NATS cluster of %d nodes: node %d (%s): %w\n--- server log (tail) ---\n%s",
				n, i, node.url(), err, node.logTail())
			c.stop()
			return nil, err
		}
	}
	return c, nil
}

// startNode starts node i of cluster name under its watchdog, with routes to the other nodes.
func startNode(bin string, i int, name string, clientPort, routePort, monitorPort int, routes []string) (*clusterNode, error) {
	dir, err := os.MkdirTemp("", "es-nats-cluster-")
	if err != nil {
		return nil, fmt.Errorf("nats temp dir: %w", err)
	}
	others := make([]string, 0, len(routes)-1)
	for k, r := range routes {
		if k != i {
			others = append(others, r)
		}
	}
	args := []string{bin, dir, "-js", "-a", "127.0.0.1", "-p", strconv.Itoa(clientPort),
		"-m", strconv.Itoa(monitorPort), "-n", nodeName(i), "--cluster_name", name,
		"--cluster", "nats://127.0.0.1:" + strconv.Itoa(routePort)}
	if len(others) > 0 {
		args = append(args, "--routes", strings.Join(others, ","))
	}
	w, err := testserver.Watchdog{Name: "nats-cluster", Script: clusterWatchdogScript, Args: args, Dir: dir}.Start()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return &clusterNode{dir: dir, clientPort: clientPort, monitorPort: monitorPort, watchdog: w}, nil
}

// freePorts returns n distinct free ports.
func freePorts(n int) ([]int, error) {
	seen := map[int]bool{}
	ports := make([]int, 0, n)
	for len(ports) < n {
		p, err := testserver.FreePort()
		if err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			ports = append(ports, p)
		}
	}
	return ports, nil
}

// stop stops every node and waits, for a while, until their client ports are closed.
func (c *Cluster) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		_ = n.watchdog.Close()
	}
	deadline := time.Now().Add(clusterStopTimeout)
	for _, n := range c.nodes {
		_ = n.waitClosed(deadline)
	}
}

// url is the node's client URL.
func (n *clusterNode) url() string { return "nats://127.0.0.1:" + strconv.Itoa(n.clientPort) }

// logTail is the end of the node's log.
func (n *clusterNode) logTail() string { return testserver.LogTail(filepath.Join(n.dir, "server.log")) }

// command sends a command line to the node's watchdog.
func (n *clusterNode) command(cmd string) error {
	if _, err := io.WriteString(n.watchdog, cmd+"\n"); err != nil {
		return fmt.Errorf("tell the watchdog to %s the server: %w", cmd, err)
	}
	return nil
}

// kill has the watchdog end the node with SIGKILL and waits until its client port is closed.
func (n *clusterNode) kill() error {
	if err := n.command("kill"); err != nil {
		return err
	}
	return n.waitClosed(time.Now().Add(natsStartTimeout))
}

// restart has the watchdog start the node again and waits until it is current.
func (n *clusterNode) restart() error {
	if err := n.command("start"); err != nil {
		return err
	}
	if err := n.waitCurrent(time.Now().Add(natsStartTimeout)); err != nil {
		return fmt.Errorf("%w\n--- server log (tail) ---\n%s", err, n.logTail())
	}
	return nil
}

// waitClosed waits until the node's client port refuses connections.
func (n *clusterNode) waitClosed(deadline time.Time) error {
	addr := "127.0.0.1:" + strconv.Itoa(n.clientPort)
	for {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return nil
		}
		_ = conn.Close()
		if time.Now().After(deadline) {
			return fmt.Errorf("the server still accepts connections on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// healthStatus is the answer of the monitoring endpoint /healthz.
type healthStatus struct {
	Status string `json:"status"`
	Error  string `json:"error"`
}

// waitCurrent polls the node's /healthz until it answers ok: the node serves JetStream, is
// current with the meta leader and with every stream and consumer replica it holds.
func (n *clusterNode) waitCurrent(deadline time.Time) error {
	client := &http.Client{Timeout: time.Second}
	u := "http://127.0.0.1:" + strconv.Itoa(n.monitorPort) + "/healthz"
	var last error
	for {
		last = n.health(client, u)
		if last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not current with the cluster in time: %w", last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// health asks /healthz once.
func (n *clusterNode) health(client *http.Client, u string) error {
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	var h healthStatus
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&h); err != nil {
		return fmt.Errorf("healthz answered %s: %w", resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK || h.Status != "ok" {
		return errors.New("healthz: " + strings.TrimSpace(h.Status+" "+h.Error))
	}
	return nil
}
