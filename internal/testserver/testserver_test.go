package testserver

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestURLFromEnv(t *testing.T) {
	const name = "ES_TESTSERVER_URL"
	t.Setenv(name, "")
	u, err := URLFromEnv(name, "nats", "tls")
	require.NoError(t, err)
	assert.Empty(t, u, "unset: no server of one's own")

	t.Setenv(name, "tls://127.0.0.1:4222")
	u, err = URLFromEnv(name, "nats", "tls")
	require.NoError(t, err)
	assert.Equal(t, "tls://127.0.0.1:4222", u)

	t.Setenv(name, "http://127.0.0.1")
	_, err = URLFromEnv(name, "nats", "tls")
	require.Error(t, err)
	assert.Equal(t, name+` must be a nats:// URL, got scheme "http"`, err.Error())

	t.Setenv(name, "nats://127.0.0.1:%zz")
	_, err = URLFromEnv(name, "nats")
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), name+": "), err.Error())
}

func TestLogTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server.log")
	assert.True(t, strings.HasPrefix(LogTail(path), "("), "a missing log says why")

	var b strings.Builder
	for i := range 2000 {
		b.WriteString("line-" + strconv.Itoa(i) + "\n")
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
	tail := LogTail(path)
	assert.Equal(t, logTailBytes-1, len(tail), "the last 4 KiB without the final newline")
	assert.True(t, strings.HasSuffix(tail, "\nline-1999"), tail[len(tail)-20:])
}

func TestFreePort(t *testing.T) {
	port, err := FreePort()
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	require.NoError(t, err, "the port is free")
	require.NoError(t, l.Close())
}

func TestURLsFromEnv(t *testing.T) {
	const name = "ES_TESTSERVER_URLS"
	t.Setenv(name, " ")
	urls, err := URLsFromEnv(name, "nats", "tls")
	require.NoError(t, err)
	assert.Nil(t, urls, "blank: no servers of one's own")

	t.Setenv(name, "nats://127.0.0.1:4222, tls://127.0.0.1:4223 ,nats://[::1]:4224")
	urls, err = URLsFromEnv(name, "nats", "tls")
	require.NoError(t, err)
	assert.Equal(t, []string{"nats://127.0.0.1:4222", "tls://127.0.0.1:4223", "nats://[::1]:4224"}, urls)

	t.Setenv(name, "nats://127.0.0.1:4222,http://127.0.0.1")
	_, err = URLsFromEnv(name, "nats", "tls")
	require.Error(t, err)
	assert.Equal(t, name+`: item 2 must be a nats:// URL, got scheme "http"`, err.Error())

	t.Setenv(name, "nats://127.0.0.1:4222,,nats://127.0.0.1:4223")
	_, err = URLsFromEnv(name, "nats")
	require.Error(t, err)
	assert.Equal(t, name+": item 2 is empty; give URLs separated by commas", err.Error())

	t.Setenv(name, "nats://127.0.0.1:%zz")
	_, err = URLsFromEnv(name, "nats")
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), name+": item 1: "), err.Error())
}
