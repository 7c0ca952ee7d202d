package testkit_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/testkit"
)

func TestStartNATS(t *testing.T) {
	u := testkit.StartNATS(t)
	if os.Getenv("ES_TEST_NATS_URL") == "" {
		require.True(t, strings.HasPrefix(u, "nats://127.0.0.1:"), u)
	} else { // a server of the environment, anywhere, maybe over TLS
		require.True(t, strings.HasPrefix(u, "nats://") || strings.HasPrefix(u, "tls://"), u)
	}
	require.Equal(t, u, testkit.StartNATS(t), "one server per test binary")

	nc, err := nats.Connect(u)
	require.NoError(t, err)
	defer nc.Close()
	js, err := nc.JetStream()
	require.NoError(t, err)
	_, err = js.AddStream(&nats.StreamConfig{Name: "testkit_start", Subjects: []string{"testkit.start"}, Duplicates: time.Minute})
	require.NoError(t, err)
	for range 2 {
		_, err = js.Publish("testkit.start", []byte("x"), nats.MsgId("same"))
		require.NoError(t, err)
	}
	info, err := js.StreamInfo("testkit_start")
	require.NoError(t, err)
	require.Equal(t, uint64(1), info.State.Msgs, "JetStream de-duplicates on the message id")

	if os.Getenv("ES_TEST_NATS_URL") == "" {
		dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "es-nats-*"))
		require.NotEmpty(t, dirs, "the server keeps its store in a temporary directory")
	}
}
