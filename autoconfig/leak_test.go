package autoconfig_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/gofly/eventsourcing"
	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/testkit"
)

// openers counts database/sql connection-opener goroutines: one per open *sql.DB.
func openers() int {
	buf := make([]byte, 1<<22)
	n := runtime.Stack(buf, true)
	return strings.Count(string(buf[:n]), "database/sql.(*DB).connectionOpener")
}

// settle waits until at most want openers remain (a closed *sql.DB's opener ends on its own
// goroutine shortly after Close), or a few seconds pass. It never collects garbage: nothing may
// depend on a finalizer or cleanup.
func settle(want int) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := openers()
		if got <= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An application that fails to build holds no database: nothing builds a *sql.DB before start.
// One that fails to start, or stops, has closed every database it opened.
func TestFailedAppLeaksNothing(t *testing.T) {
	before := settle(0)
	kv := map[string]any{
		"pyfly.eventsourcing.enabled":           true,
		"pyfly.eventsourcing.store.provider":    "bun",
		"pyfly.eventsourcing.snapshot.provider": "bun",
		"pyfly.eventsourcing.snapshot.url":      "sqlite::memory:",
		"pyfly.data.relational.url":             testkit.SQLiteFileURL(t),
	}
	errDownstream := errors.New("downstream constructor failed")
	for range 5 {
		app := fx.New(fx.NopLogger, eventsourcing.Module, fx.Supply(koanfOf(t, kv)),
			fx.Invoke(func(es.EventStore, es.SnapshotStore) error { return errDownstream }))
		require.ErrorIs(t, app.Err(), errDownstream)
		require.Equal(t, before, openers(), "a failed fx.New built no *sql.DB")
	}

	bad := map[string]any{"pyfly.eventsourcing.enabled": true, "pyfly.eventsourcing.store.provider": "bun", "pyfly.eventsourcing.snapshot.provider": "nope"}
	app := fx.New(fx.NopLogger, eventsourcing.Module, fx.Supply(koanfOf(t, bad)), fx.Invoke(func(es.EventStore) {}))
	require.ErrorIs(t, app.Err(), config.ErrInvalidConfig)
	require.Equal(t, before, openers(), "a bad configuration builds no database")

	ctx := context.Background()
	app = fx.New(fx.NopLogger, eventsourcing.Module, fx.Supply(koanfOf(t, kv)), fx.Invoke(func(es.EventStore, es.SnapshotStore) {}))
	require.NoError(t, app.Err())
	require.Equal(t, before, openers(), "built, not started: no *sql.DB")
	require.NoError(t, app.Start(ctx))
	require.Equal(t, before+2, openers(), "two databases while running")
	require.NoError(t, app.Stop(ctx))
	require.Equal(t, before, settle(before), "stop closes both")

	// A start that fails on the second database closes the first.
	failing := map[string]any{
		"pyfly.eventsourcing.enabled":               true,
		"pyfly.eventsourcing.store.provider":        "bun",
		"pyfly.eventsourcing.snapshot.provider":     "bun",
		"pyfly.eventsourcing.snapshot.url":          testkit.SQLiteFileURL(t),
		"pyfly.eventsourcing.snapshot.auto-migrate": false,
		"pyfly.data.relational.url":                 testkit.SQLiteFileURL(t),
	}
	app = fx.New(fx.NopLogger, eventsourcing.Module, fx.Supply(koanfOf(t, failing)), fx.Invoke(func(es.EventStore, es.SnapshotStore) {}))
	require.NoError(t, app.Err())
	require.Error(t, app.Start(ctx))
	require.Equal(t, before, settle(before), "a failed start closes what it opened")
}
