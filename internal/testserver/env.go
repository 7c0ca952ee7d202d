package testserver

import (
	"fmt"
	"net/url"
	"os"
	"slices"
	"testing"
)

// URLFromEnv returns the URL held by the environment variable name, "" when it is unset or empty.
// A URL that does not parse or whose scheme is not one of schemes is an error naming the variable.
func URLFromEnv(name string, schemes ...string) (string, error) {
	raw := os.Getenv(name)
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	if !slices.Contains(schemes, u.Scheme) {
		return "", fmt.Errorf("%s must be a %s:// URL, got scheme %q", name, schemes[0], u.Scheme)
	}
	return raw, nil
}

// SkipOrFail skips t for want of a server (err says which and how to get one), or fails it when
// the environment variable requireEnv is "1": a run that must test against that server then
// cannot pass without it. prefix (the launcher's package name) starts the message.
func SkipOrFail(t testing.TB, prefix, requireEnv string, err error) {
	t.Helper()
	if os.Getenv(requireEnv) == "1" {
		t.Fatalf("%s: %v; %s=1 requires it", prefix, err, requireEnv)
	}
	t.Skipf("%s: skipping: %v", prefix, err)
}
