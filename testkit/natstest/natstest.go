package natstest

import (
	"errors"
	"testing"

	"github.com/gofly/eventsourcing/internal/testserver"
)

const (
	// envNATSURL names an existing NATS server (with JetStream) to use instead of a local
	// throwaway one.
	envNATSURL = "ES_TEST_NATS_URL"
	// envRequireNATS, when "1", turns a missing nats-server binary into a test failure instead of
	// a skip.
	envRequireNATS = "ES_REQUIRE_NATS"
)

// Start returns the URL (nats://127.0.0.1:port) of a NATS server with JetStream enabled.
//
// When ES_TEST_NATS_URL is set, that server is used. Otherwise the first call in a test binary
// starts a private server from the installed nats-server binary (nats-server -js on 127.0.0.1, a
// free port, its store in a temporary directory), shared by every test of that binary and
// stopped, with its directory removed, when the test binary exits, however it exits. Tests that
// share it should use their own stream and subject names.
//
// Without nats-server the test is skipped, unless ES_REQUIRE_NATS=1, in which case it fails.
// Other platforms than Unix have no launcher: set ES_TEST_NATS_URL there.
func Start(t testing.TB) string {
	t.Helper()
	u, err := natsURL()
	if errors.Is(err, errNoNATS) {
		testserver.SkipOrFail(t, "natstest", envRequireNATS, err)
	}
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	return u
}

// natsURL returns the URL of the server the tests use.
func natsURL() (string, error) {
	raw, err := testserver.URLFromEnv(envNATSURL, "nats", "tls")
	if err != nil || raw != "" {
		return raw, err
	}
	return localNATSURL()
}
