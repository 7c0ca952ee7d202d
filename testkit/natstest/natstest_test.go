package natstest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/testkit/natstest"
)

func TestStart(t *testing.T) {
	u := natstest.Start(t)
	if os.Getenv("ES_TEST_NATS_URL") == "" {
		require.True(t, strings.HasPrefix(u, "nats://127.0.0.1:"), u)
	} else { // a server of the environment, anywhere, maybe over TLS
		require.True(t, strings.HasPrefix(u, "nats://") || strings.HasPrefix(u, "tls://"), u)
	}
	require.Equal(t, u, natstest.Start(t), "one server per test binary")

	nc, err := nats.Connect(u)
	require.NoError(t, err)
	defer nc.Close()
	js, err := nc.JetStream()
	require.NoError(t, err)
	_, err = js.AddStream(&nats.StreamConfig{Name: "natstest_start", Subjects: []string{"natstest.start"}, Duplicates: time.Minute})
	require.NoError(t, err)
	for range 2 {
		_, err = js.Publish("natstest.start", []byte("x"), nats.MsgId("same"))
		require.NoError(t, err)
	}
	info, err := js.StreamInfo("natstest_start")
	require.NoError(t, err)
	require.Equal(t, uint64(1), info.State.Msgs, "JetStream de-duplicates on the message id")

	if os.Getenv("ES_TEST_NATS_URL") == "" {
		dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "es-nats-*"))
		require.NotEmpty(t, dirs, "the server keeps its store in a temporary directory")
	}
}
