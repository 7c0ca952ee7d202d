package eventsourcing_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/v2"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/gofly/eventsourcing"
	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
)

// keys builds a *koanf.Koanf from flat keys.
func keys(t testing.TB, kv map[string]any) *koanf.Koanf {
	t.Helper()
	k := koanf.New(".")
	require.NoError(t, k.Load(confmap.Provider(kv, "."), nil))
	return k
}

// enabled returns kv plus pyfly.eventsourcing.enabled: true.
func enabled(kv map[string]any) map[string]any {
	out := map[string]any{"pyfly.eventsourcing.enabled": true}
	for k, v := range kv {
		out[k] = v
	}
	return out
}

// beans are what the module provides.
type beans struct {
	fx.In

	Store     es.EventStore
	Snapshots es.SnapshotStore
	Publisher *eda.Publisher
	DBs       *autoconfig.Databases
}

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// newApp builds an application of the module over k (nil: the module loads its own
// configuration), a logger writing into the returned buffer, and extra options. It populates b.
func newApp(k *koanf.Koanf, b *beans, extra ...fx.Option) (*fx.App, *logBuffer) {
	logs := &logBuffer{}
	opts := []fx.Option{
		fx.NopLogger,
		eventsourcing.Module,
		fx.Supply(slog.New(slog.NewTextHandler(logs, nil))),
	}
	if k != nil {
		opts = append(opts, fx.Supply(k))
	}
	if b != nil {
		opts = append(opts, fx.Invoke(func(in beans) { *b = in }))
	}
	return fx.New(append(opts, extra...)...), logs
}

// startApp builds and starts the application with fxtest, stopping it at the end of the test.
func startApp(t *testing.T, k *koanf.Koanf, extra ...fx.Option) (beans, *logBuffer) {
	t.Helper()
	var b beans
	logs := &logBuffer{}
	opts := []fx.Option{
		eventsourcing.Module,
		fx.Supply(slog.New(slog.NewTextHandler(logs, nil))),
		fx.Populate(&b),
		fx.NopLogger,
	}
	if k != nil {
		opts = append(opts, fx.Supply(k))
	}
	app := fxtest.New(t, append(opts, extra...)...)
	app.RequireStart()
	t.Cleanup(app.RequireStop)
	return b, logs
}

// roundTrip appends one event to store and loads it back.
func roundTrip(t *testing.T, store es.EventStore) {
	t.Helper()
	ctx := context.Background()
	env, err := es.NewEnvelope(thingHappened{N: 1})
	require.NoError(t, err)
	require.NoError(t, store.Append(ctx, "agg-1", "Thing", 0, []es.Envelope{env}))
	got, err := store.Load(ctx, "agg-1", 0)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, env.EventID, got[0].EventID)
}

// thingHappened is the event the round trip stores.
type thingHappened struct{ N int }

// bunEvents returns the Bun store behind the module's event store, which forwards to it once
// the application has started.
func bunEvents(t testing.TB, store es.EventStore) es.EventStore {
	t.Helper()
	u, ok := store.(interface{ Unwrap() es.EventStore })
	require.True(t, ok, "%T offers no Unwrap", store)
	return u.Unwrap()
}

// bunSnapshots returns the Bun store behind the module's snapshot store.
func bunSnapshots(t testing.TB, store es.SnapshotStore) es.SnapshotStore {
	t.Helper()
	u, ok := store.(interface{ Unwrap() es.SnapshotStore })
	require.True(t, ok, "%T offers no Unwrap", store)
	return u.Unwrap()
}
