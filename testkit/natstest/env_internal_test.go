package natstest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestURLFromEnvironment(t *testing.T) {
	t.Setenv(envNATSURL, "nats://example.invalid:4222")
	u, err := natsURL()
	require.NoError(t, err)
	assert.Equal(t, "nats://example.invalid:4222", u)

	t.Setenv(envNATSURL, "http://example.invalid")
	_, err = natsURL()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "must be a nats:// URL")
}

// TestClusterFromEnvironment: ES_TEST_NATS_CLUSTER_URLS names the nodes of a cluster, which the
// test kit uses as it is and does not kill or restart.
func TestClusterFromEnvironment(t *testing.T) {
	t.Setenv(envNATSClusterURLs, "nats://127.0.0.1:4222, nats://127.0.0.1:4223,nats://127.0.0.1:4224")
	c := StartCluster(t, 3)
	assert.False(t, c.Local())
	assert.Equal(t, []string{"nats://127.0.0.1:4222", "nats://127.0.0.1:4223", "nats://127.0.0.1:4224"}, c.URLs())
	assert.Equal(t, "nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224", c.URL())
	assert.Equal(t, -1, c.Index("node-0"))
	err := c.Kill(0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not the test kit's to kill or restart")
	require.Error(t, c.Restart(0))
}
