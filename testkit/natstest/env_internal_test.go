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
