package main_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHealthOfAnUnreachableStore: a database that cannot be opened is an unhealthy report (exit
// 4, the store's check failing with the reason, in text and in JSON), not a failure of the
// command; with the URL in the configuration as with --url, and never with the password.
func TestHealthOfAnUnreachableStore(t *testing.T) {
	missing := "sqlite:///" + filepath.ToSlash(filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"))
	for _, url := range []string{missing, "postgres://app:Hunter2Secret@127.0.0.1:1/app?connect_timeout=5"} {
		c := newCLI(t)
		r := c.expect(t, exitUnhealthy, "--url", url, "health")
		assert.Regexp(t, `^UNHEALTHY \((sqlite|postgres), `, r.stdout)
		assert.Contains(t, r.stdout, "FAIL store")
		assert.Contains(t, r.stdout, "unreachable: ")

		lines := c.expect(t, exitUnhealthy, "--url", url, "health", "--json").jsonLines(t)
		require.Len(t, lines, 1)
		assert.Equal(t, false, lines[0]["healthy"])
		checks, _ := lines[0]["checks"].([]any)
		require.Len(t, checks, 1)
		store, _ := checks[0].(map[string]any)
		assert.Equal(t, "store", store["component"])
		assert.Equal(t, false, store["healthy"])

		env := newCLI(t, "PYFLY_EVENTSOURCING_ENABLED=true", "PYFLY_EVENTSOURCING_STORE_PROVIDER=bun",
			"PYFLY_EVENTSOURCING_STORE_URL="+url)
		r = env.expect(t, exitUnhealthy, "health")
		assert.Contains(t, r.stdout, "pyfly.eventsourcing.store.url")
		c.log.add(env.log.text())
		assert.NotContains(t, c.log.text(), "Hunter2Secret")
	}

	// A URL that does not read is still a configuration error, not a report.
	c := newCLI(t)
	r := c.run(t, "--url", "oracle://x@127.0.0.1/db", "health")
	assert.NotEqual(t, exitUnhealthy, r.code, "%s", r)
	assert.NotEqual(t, exitOK, r.code, "%s", r)
}
