package testkit

import (
	"os"
	"testing"
)

// skipOrFail skips t for want of a server (err says which and how to get one), or fails it when
// the environment variable requireEnv is "1": a run that must test against that server then
// cannot pass without it.
func skipOrFail(t testing.TB, requireEnv string, err error) {
	t.Helper()
	if os.Getenv(requireEnv) == "1" {
		t.Fatalf("testkit: %v; %s=1 requires it", err, requireEnv)
	}
	t.Skipf("testkit: skipping: %v", err)
}
