package bunstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/internal/redact/redacttest"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// closedPort returns a loopback port nothing listens on: one a listener held and closed.
func closedPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

// outputOf runs f and returns its output, or the text of its panic (a failure in itself).
func outputOf(t *testing.T, what string, f func() string) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = fmt.Sprint(r)
			t.Errorf("%s panicked: %s", what, out)
		}
	}()
	return f()
}

// errText is err's message, or "".
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// requireLoopback fails the test, before anything is dialled, if src would dial anything but a
// loopback address on port or a Unix socket.
func requireLoopback(t *testing.T, src bunstore.Source, port int) {
	t.Helper()
	cfg := src.PgxConfig()
	if cfg == nil {
		return
	}
	type hp struct {
		host string
		port uint16
	}
	all := []hp{{cfg.Host, cfg.Port}}
	for _, fb := range cfg.Fallbacks {
		all = append(all, hp{fb.Host, fb.Port})
	}
	for _, a := range all {
		if strings.HasPrefix(a.host, "/") {
			continue // the default Unix socket: no lookup, no network
		}
		if a.host != "127.0.0.1" && a.host != "::1" && a.host != "localhost" || int(a.port) != port {
			t.Fatalf("the generator made a URL that dials %s:%d: %s", a.host, a.port, src)
		}
	}
}

// Property: whatever malformed URL is built around a password (random deletions and insertions
// of ":", "/", "@", "?", "#" and "%"; in the user info or a secret query parameter; PostgreSQL,
// SQLite and other schemes), no output of RedactURL, Open or NewDB and Prepare shows a piece of
// the password, as written or decoded, and none panics. Hosts are loopback and the port is one
// nothing listens on, so every dial fails at once.
func TestMalformedURLsNeverShowThePassword(t *testing.T) {
	port := closedPort(t)
	dir := filepath.Join(t.TempDir(), "missing")
	r := rand.New(rand.NewPCG(17, 19))
	const n = 10000
	accepted := 0
	for i := range n {
		c := redacttest.Generate(r, port, dir)
		check := func(what, out string) {
			if p := c.Leak(out); p != "" {
				t.Fatalf("%s shows %q of the password %q of %q:\n%s", what, p, c.Password, c.URL, out)
			}
		}
		check("RedactURL", outputOf(t, "RedactURL", func() string { return bunstore.RedactURL(c.URL) }))
		src, err := bunstore.Parse(c.URL)
		check("Parse", errText(err))
		if err == nil {
			accepted++
			requireLoopback(t, src, port)
		}
		check("Open", outputOf(t, "Open", func() string {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			db, err := bunstore.Open(ctx, c.URL)
			if err == nil {
				_ = db.Close()
			}
			return errText(err)
		}))
		check("Prepare", outputOf(t, "Prepare", func() string {
			db, err := bunstore.NewDB(c.URL)
			if err != nil {
				return errText(err)
			}
			defer db.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			return errText(bunstore.Prepare(ctx, db, i%2 == 0))
		}))
	}
	t.Logf("%d of %d URLs parsed and were dialled", accepted, n)
	if accepted < n/20 || accepted > n*19/20 {
		t.Fatalf("%d of %d URLs parsed: the generator should make both kinds", accepted, n)
	}
}

// The URLs of the report, each through Parse, RedactURL, Open and NewDB with Prepare: refused
// before any dial, with nothing of the password shown.
func TestReportedURLsNeverShowThePassword(t *testing.T) {
	port := closedPort(t)
	for i, c := range []struct{ url, secret, reason string }{
		// Texts the redactor cannot read: RedactURL shows the scheme and the reason.
		{"postgres//app:S3cretLeak@localhost/app", "S3cretLeak", `no ":" follows the scheme`},
		{"postgres:/app:S3cretLeak@localhost/app", "S3cretLeak", `"//" is missing after "postgres:"`},
		{"postgresql+asyncpg:app:S3cretLeak@db/app", "S3cretLeak", `"//" is missing after "postgresql+asyncpg:"`},
		{fmt.Sprintf("postgres://app:S3cret@Leak@localhost:%d/app", port), "Leak", `more than one "@" before the host`},
		// Secret parameters: hidden, and the URL dialled (and refused: nothing listens).
		{fmt.Sprintf("postgres://app@localhost:%d/app?password=S3cretLeak", port), "S3cretLeak", ""},
		{fmt.Sprintf("postgres://app@localhost:%d/app?sslpassword=S3cretLeak", port), "S3cretLeak", ""},
		{fmt.Sprintf("postgres://app@localhost:%d/app?token=S3cretLeak&secret=S3cretLeak&key=S3cretLeak", port), "S3cretLeak", ""},
		{"sqlite:///" + t.TempDir() + "/missing/app.db?_pragma=key('S3cretLeak')", "S3cretLeak", ""},
		{"sqlite:///" + t.TempDir() + "/missing/app.db?password=S3cretLeak", "S3cretLeak", ""},
		{"mysql://app:S3cretLeak@localhost/app?token=S3cretLeak", "S3cretLeak", "unsupported scheme mysql://"},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, perr := bunstore.Parse(c.url)
			_, oerr := bunstore.Open(ctx, c.url)
			require.Error(t, oerr)
			outs := []string{bunstore.RedactURL(c.url), oerr.Error()}
			if c.reason != "" {
				require.Error(t, perr, "refused before any dial")
				require.ErrorContains(t, perr, c.reason)
				require.ErrorContains(t, oerr, c.reason)
				outs = append(outs, perr.Error())
			}
			if db, err := bunstore.NewDB(c.url); err != nil {
				outs = append(outs, err.Error())
			} else {
				err := bunstore.Prepare(ctx, db, true)
				require.Error(t, err)
				outs = append(outs, err.Error())
				require.NoError(t, db.Close())
			}
			if perr != nil && !strings.Contains(c.reason, "scheme mysql") {
				require.Contains(t, outs[0], "… (hidden: "+c.reason)
			}
			for _, out := range outs {
				require.NotContains(t, out, c.secret)
			}
		})
	}
}
