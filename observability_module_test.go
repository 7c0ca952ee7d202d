package eventsourcing_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/gofly/eventsourcing"
	"github.com/gofly/eventsourcing/autoconfig"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/health"
	"github.com/gofly/eventsourcing/testkit"
)

// observedBeans are what an application with observability uses.
type observedBeans struct {
	fx.In

	Store   es.EventStore
	Options autoconfig.RepositoryOptions
	Outbox  *outbox.Outbox
	Health  *health.Handler
}

// With a trace.TracerProvider and a metric.MeterProvider in the graph, the module's stores,
// repositories, runners and outbox report spans and metrics, the gauges read the stores, and
// the health handler serves the report with the runners of this process.
func TestModuleObservability(t *testing.T) {
	for name, kv := range map[string]map[string]any{
		"memory": {},
		"sqlite": {"pyfly.eventsourcing.store.provider": "bun", "pyfly.data.relational.url": testkit.SQLiteFileURL(t)},
	} {
		t.Run(name, func(t *testing.T) {
			spans := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			ps := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 16}, watermill.NopLogger{})
			t.Cleanup(func() { _ = ps.Close() })
			kv["pyfly.eventsourcing.outbox.enabled"] = true
			kv["pyfly.eventsourcing.outbox.poll-interval"] = "20ms"
			kv["pyfly.eventsourcing.projection.poll-interval"] = "20ms"
			view := &recordingView{}
			var b observedBeans
			app := fxtest.New(t, fx.NopLogger, eventsourcing.Module, fx.Supply(keys(t, enabled(kv))),
				eventsourcing.ProvideProjection(func() *recordingView { return view }),
				fx.Provide(fx.Annotate(func() *gochannel.GoChannel { return ps }, fx.As(new(message.Publisher)))),
				fx.Provide(fx.Annotate(func() *sdktrace.TracerProvider { return tp }, fx.As(new(trace.TracerProvider)))),
				fx.Provide(fx.Annotate(func() *sdkmetric.MeterProvider { return mp }, fx.As(new(metric.MeterProvider)))),
				fx.Populate(&b))
			app.RequireStart()
			t.Cleanup(app.RequireStop)

			ctx := context.Background()
			repo := placeOrder(t, b.Store, b.Options, "order-1")
			_, err := repo.Load(ctx, "order-1")
			require.NoError(t, err)
			require.Eventually(t, func() bool {
				p, err := b.Outbox.Pending(ctx, 10)
				return err == nil && len(p) == 0 && len(view.handled()) == 1
			}, 10*time.Second, 10*time.Millisecond, "the outbox to deliver and the projection to apply the event")

			seen := map[string]bool{}
			for _, sp := range spans.Ended() {
				seen[sp.Name()] = true
			}
			for _, want := range []string{"eventsourcing.save", "eventsourcing.append", "eventsourcing.load", "eventsourcing.read_all",
				"projection.batch", "outbox.publish"} {
				assert.True(t, seen[want], "span %s among %v", want, seen)
			}

			var rm metricdata.ResourceMetrics
			require.NoError(t, reader.Collect(ctx, &rm))
			metrics := map[string]bool{}
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					metrics[m.Name] = true
				}
			}
			for _, want := range []string{"eventsourcing.append.duration", "eventsourcing.load.duration", "eventsourcing.events.appended",
				"outbox.publish.duration", "projection.position", "projection.lag", "projection.lag.seconds", "outbox.pending", "outbox.dead_letters"} {
				assert.True(t, metrics[want], "metric %s among %v", want, metrics)
			}

			rec := httptest.NewRecorder()
			b.Health.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health/eventsourcing", nil))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			var rep struct {
				Healthy bool
				Checks  []struct {
					Component string
					Name      string
					Runner    *struct{ Running, Active bool }
				}
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &rep))
			assert.True(t, rep.Healthy)
			var runner bool
			for _, c := range rep.Checks {
				if c.Component == "projection" && c.Name == "orders_view" {
					require.NotNil(t, c.Runner, "the runner of this process is in the report")
					runner = c.Runner.Running && c.Runner.Active
				}
			}
			assert.True(t, runner, "the orders_view runner runs and is active: %s", rec.Body.String())
		})
	}
}

// Without OpenTelemetry providers, the repository options hold no observer: the logger and the
// snapshots alone.
func TestModuleWithoutTelemetry(t *testing.T) {
	var opts autoconfig.RepositoryOptions
	var h *health.Handler
	startApp(t, keys(t, enabled(nil)), fx.Populate(&opts, &h))
	assert.Len(t, opts, 2)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

// With outbox.mode stream beside a projection, the gauges report the stream's position and lag
// as a projection's (outbox:default), read from its runner in this process like the projection's.
func TestModuleOutboxStreamGauges(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	ps := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 16}, watermill.NopLogger{})
	t.Cleanup(func() { _ = ps.Close() })
	kv := map[string]any{
		"pyfly.eventsourcing.outbox.enabled":           true,
		"pyfly.eventsourcing.outbox.mode":              "stream",
		"pyfly.eventsourcing.outbox.poll-interval":     "20ms",
		"pyfly.eventsourcing.projection.poll-interval": "20ms",
	}
	view := &recordingView{}
	var b streamBeans
	app := fxtest.New(t, fx.NopLogger, eventsourcing.Module, fx.Supply(keys(t, enabled(kv))),
		eventsourcing.ProvideProjection(func() *recordingView { return view }),
		fx.Provide(fx.Annotate(func() *gochannel.GoChannel { return ps }, fx.As(new(message.Publisher)))),
		fx.Provide(fx.Annotate(func() *sdkmetric.MeterProvider { return mp }, fx.As(new(metric.MeterProvider)))),
		fx.Populate(&b))
	app.RequireStart()
	t.Cleanup(app.RequireStop)

	ctx := context.Background()
	placeOrder(t, b.Store, b.Options, "order-1")
	stream := outbox.StreamName(outbox.DefaultName)
	require.Eventually(t, func() bool {
		st, err := b.Stream.Stream().Status(ctx)
		return err == nil && st.Position == 1 && len(view.handled()) == 1
	}, 10*time.Second, 10*time.Millisecond, "the stream to publish and the projection to apply the event")

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	positions := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			g, ok := m.Data.(metricdata.Gauge[int64])
			if m.Name != "projection.position" || !ok {
				continue
			}
			for _, dp := range g.DataPoints {
				if name, ok := dp.Attributes.Value("projection.name"); ok {
					positions[name.AsString()] = dp.Value
				}
			}
		}
	}
	assert.Equal(t, int64(1), positions[stream], "the stream's position among %v", positions)
	assert.Contains(t, positions, view.Name())
	requireStreamHealthy(t, b.Health)
}

// placeOrder saves an order id of amount 42 through a repository over store with opts, and
// returns the repository.
func placeOrder(t *testing.T, store es.EventStore, opts []es.RepositoryOption, id string) *es.Repository[*Order] {
	t.Helper()
	repo, err := es.NewRepository(store, newOrder, opts...)
	require.NoError(t, err)
	o := newOrder()
	o.ID = id
	require.NoError(t, o.Apply(OrderPlaced{Amount: 42}))
	require.NoError(t, repo.Save(context.Background(), o))
	return repo
}
