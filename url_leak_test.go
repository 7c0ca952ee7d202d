package eventsourcing_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/v2"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/gofly/eventsourcing"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/redact/redacttest"
)

// moduleOutput builds an application of the module on a koanf value choosing bun and url, and
// returns the error of fx.New and everything the module logged; with start, it also starts and
// stops an application that builds. A panic is returned as text and fails the test.
func moduleOutput(t *testing.T, url string, start bool) (out string) {
	var logs bytes.Buffer
	defer func() {
		if r := recover(); r != nil {
			out = fmt.Sprint(r) + "\n" + logs.String()
			t.Errorf("the module panicked: %s", out)
		}
	}()
	k := koanf.New(".")
	require.NoError(t, k.Load(confmap.Provider(map[string]any{
		"pyfly.eventsourcing.enabled":        true,
		"pyfly.eventsourcing.store.provider": "bun",
		"pyfly.eventsourcing.store.url":      url,
	}, "."), nil))
	app := fx.New(
		fx.NopLogger,
		eventsourcing.Module,
		fx.Supply(k, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		fx.Invoke(func(es.EventStore) {}),
	)
	var errs []string
	if err := app.Err(); err != nil {
		errs = append(errs, err.Error())
	} else if start {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := app.Start(ctx); err != nil {
			errs = append(errs, err.Error())
		}
		if err := app.Stop(ctx); err != nil {
			errs = append(errs, err.Error())
		}
	}
	return strings.Join(append(errs, logs.String()), "\n")
}

// Property: whatever malformed URL is built around a password (see redacttest.Generate), neither
// the error of fx.New nor the module's logs show a piece of it; one application in twenty that
// builds is started too (nothing listens on the port, so the start fails at once). The URLs are
// shared among one goroutine per processor, each with its own random source.
func TestModuleNeverShowsThePasswordOfAMalformedURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	dir := filepath.Join(t.TempDir(), "missing")
	const n = 10000
	workers := runtime.GOMAXPROCS(0)
	var (
		wg   sync.WaitGroup
		done atomic.Int64
	)
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(23, uint64(w)))
			for i := w; i < n && !t.Failed(); i += workers {
				c := redacttest.Generate(r, port, dir)
				out := moduleOutput(t, c.URL, i%20 == 0)
				if p := c.Leak(out); p != "" {
					t.Errorf("the module shows %q of the password %q of %q:\n%s", p, c.Password, c.URL, out)
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, n, done.Load())
}

// The URLs of the report fail fx.New with the key and the reason, and show nothing of the
// password in the error or the logs.
func TestModuleReportedURLs(t *testing.T) {
	for i, c := range []struct{ url, secret, reason string }{
		{"postgres//app:S3cretLeak@localhost/app", "S3cretLeak", `no ":" follows the scheme`},
		{"postgres:/app:S3cretLeak@localhost/app", "S3cretLeak", `"//" is missing after "postgres:"`},
		{"postgresql+asyncpg:app:S3cretLeak@db/app", "S3cretLeak", `"//" is missing after "postgresql+asyncpg:"`},
		{"postgres://app:S3cret@Leak@localhost/app", "Leak", `more than one "@" before the host`},
		{"postgres://app@localhost/app?password=S3cret%Leak", "S3cret", `query parameter 1 has an invalid percent-encoding`},
		{"postgres://app@localhost/app?sslpassword=S3cretLeak#x", "S3cretLeak", `a PostgreSQL URL has no "#" part`},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			out := moduleOutput(t, c.url, false)
			require.Contains(t, out, "eventsourcing: pyfly.eventsourcing.store.url: unusable by the event store")
			require.Contains(t, out, c.reason)
			require.NotContains(t, out, c.secret)
		})
	}
	// Secret parameters of a URL that parses are hidden in the logs.
	out := moduleOutput(t, "sqlite:///"+t.TempDir()+"/app.db?_pragma=key('S3cretLeak')&token=S3cretLeak", false)
	require.Contains(t, out, "_pragma=xxxxx&token=xxxxx")
	require.NotContains(t, out, "S3cretLeak")
}
