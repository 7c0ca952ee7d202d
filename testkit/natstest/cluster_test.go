package natstest_test

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/testkit/natstest"
)

// TestClusterSurvivesAKilledNode: a stream replicated on three nodes takes messages while its
// leader is killed, and the restarted node catches up; de-duplication on the message id holds
// across the change of leader.
func TestClusterSurvivesAKilledNode(t *testing.T) {
	c := natstest.StartCluster(t, 3)
	require.Len(t, c.URLs(), 3)
	require.Equal(t, strings.Join(c.URLs(), ","), c.URL())
	if !c.Local() {
		t.Skip("kills a node: needs a cluster the test kit starts")
	}
	for _, u := range c.URLs() {
		require.True(t, strings.HasPrefix(u, "nats://127.0.0.1:"), u)
	}

	nc, err := nats.Connect(c.URL(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := nc.JetStream(nats.MaxWait(2 * time.Second))
	require.NoError(t, err)
	info, err := js.AddStream(&nats.StreamConfig{Name: "natstest_cluster", Subjects: []string{"natstest.cluster"},
		Replicas: 3, Duplicates: time.Minute})
	require.NoError(t, err)
	require.NotNil(t, info.Cluster)
	publish := func(id string) {
		t.Helper()
		require.Eventually(t, func() bool {
			_, err := js.Publish("natstest.cluster", []byte(id), nats.MsgId(id))
			return err == nil
		}, time.Minute, 100*time.Millisecond, "publish %s", id)
	}
	publish("a")
	publish("a")

	leader := c.Index(info.Cluster.Leader)
	require.GreaterOrEqual(t, leader, 0, "the leader %q is a node of the cluster", info.Cluster.Leader)
	require.NoError(t, c.Kill(leader))
	require.Error(t, c.Kill(leader), "a killed node cannot be killed again")
	addr, err := url.Parse(c.URLs()[leader])
	require.NoError(t, err)
	_, err = net.DialTimeout("tcp", addr.Host, time.Second)
	require.Error(t, err, "the killed node is gone")

	publish("a")
	publish("b")
	require.NoError(t, c.Restart(leader))
	require.Error(t, c.Restart(leader), "a running node cannot be restarted")
	publish("b")
	publish("c")

	info, err = js.StreamInfo("natstest_cluster")
	require.NoError(t, err)
	assert.Equal(t, uint64(3), info.State.Msgs, "one message per id, across the change of leader")
	require.Len(t, info.Cluster.Replicas, 2)
	for _, r := range info.Cluster.Replicas {
		assert.False(t, r.Offline, "replica %s", r.Name)
	}

	require.Error(t, c.Kill(3), "there is no node 3")
	assert.Equal(t, -1, c.Index("node-3"))
}

// TestClusterGoneWhenTheTestEnds: the nodes and their directories are gone once the test that
// started them has ended.
func TestClusterGoneWhenTheTestEnds(t *testing.T) {
	var (
		urls []string
		dirs []string
	)
	// A temporary directory of this test's own: other test binaries running at the same time
	// start clusters of their own in the shared one.
	t.Setenv("TMPDIR", t.TempDir())
	t.Run("cluster", func(t *testing.T) {
		c := natstest.StartCluster(t, 2)
		if !c.Local() {
			t.Skip("a cluster named by ES_TEST_NATS_CLUSTER_URLS is not started by the test kit")
		}
		urls = c.URLs()
		dirs, _ = filepath.Glob(filepath.Join(os.TempDir(), "es-nats-cluster-*"))
		require.Len(t, dirs, 2, "each node keeps its store in a directory of its own")
		for _, d := range dirs {
			_, err := os.Stat(filepath.Join(d, "js"))
			require.NoError(t, err, "the node's JetStream store is in its directory")
		}
	})
	if urls == nil {
		t.Skip("no local cluster")
	}
	for _, u := range urls {
		addr, err := url.Parse(u)
		require.NoError(t, err)
		_, err = net.DialTimeout("tcp", addr.Host, time.Second)
		require.Error(t, err, "node %s is gone", u)
	}
	require.Eventually(t, func() bool {
		for _, d := range dirs {
			if _, err := os.Stat(d); err == nil {
				return false
			}
		}
		return true
	}, 30*time.Second, 20*time.Millisecond, "the nodes' directories are removed")
}
