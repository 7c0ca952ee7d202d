package testserver

import (
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
)

// URLFromEnv returns the URL held by the environment variable name, "" when it is unset or empty.
// A URL that does not parse or whose scheme is not one of schemes is an error naming the variable.
func URLFromEnv(name string, schemes ...string) (string, error) {
	raw := os.Getenv(name)
	if raw == "" {
		return "", nil
	}
	if err := checkURL(name, raw, schemes); err != nil {
		return "", err
	}
	return raw, nil
}

// URLsFromEnv returns the comma-separated URLs held by the environment variable name, nil when it
// is unset or empty. Blanks around each URL are dropped; an empty item, or a URL that does not
// parse or whose scheme is not one of schemes, is an error naming the variable.
func URLsFromEnv(name string, schemes ...string) ([]string, error) {
	raw := os.Getenv(name)
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var urls []string
	for i, item := range strings.Split(raw, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("%s: item %d is empty; give URLs separated by commas", name, i+1)
		}
		if err := checkURL(fmt.Sprintf("%s: item %d", name, i+1), item, schemes); err != nil {
			return nil, err
		}
		urls = append(urls, item)
	}
	return urls, nil
}

// checkURL reports a URL that does not parse or whose scheme is not one of schemes; label (the
// environment variable, and the item of a list) starts the error.
func checkURL(label, raw string, schemes []string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}
	if !slices.Contains(schemes, u.Scheme) {
		return fmt.Errorf("%s must be a %s:// URL, got scheme %q", label, schemes[0], u.Scheme)
	}
	return nil
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
