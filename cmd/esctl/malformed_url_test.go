package main_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMalformedURLsNeverShowThePassword: the URLs that once reached errors whole (a missing ":"
// or "//" after the scheme, an unescaped "@" in the password, secrets in query parameters), given
// with --url and through the environment, make esctl fail without the password in any output.
func TestMalformedURLsNeverShowThePassword(t *testing.T) {
	const secret = "S3cretLeak"
	urls := []string{
		"postgres//app:" + secret + "@localhost/app",
		"postgres:/app:" + secret + "@localhost/app",
		"postgresql+asyncpg:app:" + secret + "@127.0.0.1/app",
		"postgres://app:S3cret@Leak@localhost:1/app",
		"postgres://app@127.0.0.1:1/app?sslpassword=" + secret,
		"postgres://app@127.0.0.1:1/app?password=" + secret + "&connect_timeout=1",
		"sqlite:///nodir/sub/x.db?_pragma=key(" + secret + ")",
		"sqlite://app:" + secret + "@localhost/x.db",
	}
	c := newCLI(t)
	for _, u := range urls {
		for _, args := range [][]string{{"--url", u, "aggregates"}, {"--url", u, "health"}, {"--url", u, "--json", "projections"}} {
			r := c.run(t, args...)
			assert.NotEqual(t, 0, r.code, "%s", r)
		}
		env := newCLI(t, "PYFLY_EVENTSOURCING_ENABLED=true", "PYFLY_EVENTSOURCING_STORE_PROVIDER=bun",
			"PYFLY_EVENTSOURCING_STORE_URL="+u)
		r := env.run(t, "migrate", "--check")
		assert.NotEqual(t, 0, r.code, "%s", r)
		c.log.add(env.log.text())
	}
	out := c.log.text()
	for _, s := range []string{secret, url.QueryEscape(secret), "Leak@", "S3cret@"} {
		assert.False(t, strings.Contains(out, s), "an output shows %q:\n%s", s, out)
	}
}
