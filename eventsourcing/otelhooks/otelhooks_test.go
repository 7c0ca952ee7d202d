package otelhooks_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/otelhooks"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// secret is in every payload, and password in the PostgreSQL URL: neither may show in any
// attribute.
const (
	secret   = "s3cret-payload-value"
	password = "Tr4cePassw0rd"
)

type OrderPlaced struct {
	Note string `json:"note"`
}

type Order struct {
	es.AggregateRoot
	Notes int
}

func NewOrder() *Order {
	o := &Order{}
	es.When(o, func(OrderPlaced) { o.Notes++ })
	return o
}

// stores are one backend's stores, each reporting to obs.
type stores struct {
	system      string
	events      es.EventStore
	checkpoints projection.CheckpointStore
	lease       projection.Lease
	outbox      outbox.Store
	inspector   inspect.Inspector
}

func memoryStores(t *testing.T, obs es.StoreObserver) stores {
	events, cps, lease, ob := memory.NewEventStore(memory.WithObserver(obs)), memory.NewCheckpointStore(), memory.NewLease(), memory.NewOutboxStore()
	in, err := memory.NewInspector(memory.InspectorStores{Events: events, Checkpoints: cps, Lease: lease, Outbox: ob})
	require.NoError(t, err)
	return stores{system: es.SystemMemory, events: events, checkpoints: cps, lease: lease, outbox: ob, inspector: in}
}

func bunStores(t *testing.T, url, system string, obs es.StoreObserver) stores {
	ctx := context.Background()
	db, err := bunstore.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, bunstore.Prepare(ctx, db, true))
	s := stores{system: system}
	s.events, err = bunstore.NewEventStore(db, bunstore.WithObserver(obs))
	require.NoError(t, err)
	s.checkpoints, err = bunstore.NewCheckpointStore(db)
	require.NoError(t, err)
	s.lease, err = bunstore.NewLease(db)
	require.NoError(t, err)
	s.outbox, err = bunstore.NewOutboxStore(db)
	require.NoError(t, err)
	s.inspector, err = bunstore.NewAdmin(db)
	require.NoError(t, err)
	return s
}

// TestSpansAndMetrics: a save, a load, a projection batch and an outbox publish make the spans
// and metrics of the package documentation, on every store; no attribute holds a payload or a
// password.
func TestSpansAndMetrics(t *testing.T) {
	backends := []struct {
		name string
		open func(t *testing.T, obs es.StoreObserver) stores
	}{
		{"memory", memoryStores},
		{"sqlite", func(t *testing.T, obs es.StoreObserver) stores {
			return bunStores(t, testkit.SQLiteFileURL(t), es.SystemSQLite, obs)
		}},
		{"postgres", func(t *testing.T, obs es.StoreObserver) stores {
			url := strings.Replace(pgtest.Start(t), "postgres://postgres@", "postgres://postgres:"+password+"@", 1)
			return bunStores(t, url, es.SystemPostgreSQL, obs)
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			spans := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			obs, err := otelhooks.New(otelhooks.WithTracerProvider(tp), otelhooks.WithMeterProvider(mp))
			require.NoError(t, err)
			s := b.open(t, obs)
			exercise(t, s, obs, mp)
			checkSpans(t, spans.Ended(), s.system)
			var rm metricdata.ResourceMetrics
			require.NoError(t, reader.Collect(context.Background(), &rm))
			checkMetrics(t, rm, s.system)
		})
	}
}

// exercise saves an order twice (the second save loses the race), loads it, runs a projection
// over the events and publishes them through an outbox.
func exercise(t *testing.T, s stores, obs *otelhooks.Observer, mp *sdkmetric.MeterProvider) {
	ctx := context.Background()
	ob, err := outbox.New(s.outbox, func(context.Context, es.Envelope) error { return nil },
		outbox.WithName("orders"), outbox.WithPollInterval(10*time.Millisecond), outbox.WithObserver(obs))
	require.NoError(t, err)
	repo, err := es.NewRepository(s.events, NewOrder, es.WithObserver(obs), es.WithOutbox(ob))
	require.NoError(t, err)
	o := NewOrder()
	o.ID = "order-1"
	require.NoError(t, o.Apply(OrderPlaced{Note: secret}))
	require.NoError(t, o.Apply(OrderPlaced{Note: secret}))
	require.NoError(t, repo.Save(ctx, o))
	stale := NewOrder()
	stale.ID = "order-1"
	require.NoError(t, stale.Apply(OrderPlaced{Note: secret}))
	require.ErrorIs(t, repo.Save(ctx, stale), es.ErrConcurrency)
	loaded, err := repo.Load(ctx, "order-1")
	require.NoError(t, err)
	require.Equal(t, 2, loaded.Notes)

	reg, err := otelhooks.RegisterGauges(mp, otelhooks.GaugeSources{Inspector: s.inspector})
	require.NoError(t, err)
	t.Cleanup(func() { _ = reg.Unregister() })

	r, err := projection.NewRunner(projection.FunctionProjection("orders_view", func(context.Context, es.Envelope) error { return nil }),
		s.events, projection.WithCheckpoints(s.checkpoints), projection.WithLease(s.lease), projection.WithPollInterval(10*time.Millisecond),
		projection.WithObserver(obs))
	require.NoError(t, err)
	require.NoError(t, r.Start(ctx))
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	require.NoError(t, ob.Start(ctx))
	t.Cleanup(func() { _ = ob.Stop(context.Background()) })
	testkit.WaitFor(t, 20*time.Second, func() bool {
		st, err := r.Status(ctx)
		require.NoError(t, err)
		pending, err := ob.Pending(ctx, 10)
		require.NoError(t, err)
		return st.Position > 0 && st.Lag == 0 && len(pending) == 0
	}, "the projection to apply the events and the outbox to publish them")
	require.NoError(t, r.Stop(ctx))
	require.NoError(t, ob.Stop(ctx))
}

func checkSpans(t *testing.T, ended []sdktrace.ReadOnlySpan, system string) {
	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, sp := range ended {
		byName[sp.Name()] = append(byName[sp.Name()], sp)
		for _, kv := range append(sp.Attributes(), sp.Resource().Attributes()...) {
			noSecret(t, "span "+sp.Name(), kv)
		}
		for _, ev := range sp.Events() {
			for _, kv := range ev.Attributes {
				noSecret(t, "event of span "+sp.Name(), kv)
			}
		}
	}
	for _, name := range []string{"eventsourcing.save", "eventsourcing.append", "eventsourcing.load", "eventsourcing.read_all", "projection.batch", "outbox.publish"} {
		require.NotEmpty(t, byName[name], "a span %s among %v", name, names(ended))
	}
	saves := byName["eventsourcing.save"]
	require.Len(t, saves, 2)
	ok, conflict := saves[0], saves[1]
	assert.Equal(t, map[string]any{"db.system.name": system, "eventsourcing.aggregate.type": "Order", "eventsourcing.event.count": int64(2),
		"eventsourcing.outcome": "ok"}, attrs(ok))
	assert.Equal(t, "conflict", attrs(conflict)["eventsourcing.outcome"])
	assert.Equal(t, "conflict", attrs(conflict)["error.type"])
	assert.Equal(t, codes.Error, conflict.Status().Code)
	var appendInSave bool
	for _, a := range byName["eventsourcing.append"] {
		assert.Equal(t, system, attrs(a)["db.system.name"])
		assert.Equal(t, "Order", attrs(a)["eventsourcing.aggregate.type"])
		if a.Parent().SpanID() == ok.SpanContext().SpanID() {
			appendInSave = true
			assert.Equal(t, int64(2), attrs(a)["eventsourcing.event.count"])
			assert.Equal(t, "ok", attrs(a)["eventsourcing.outcome"])
		}
	}
	assert.True(t, appendInSave, "the append's span is a child of the save's")
	load := byName["eventsourcing.load"][0]
	assert.Equal(t, map[string]any{"db.system.name": system, "eventsourcing.aggregate.type": "Order", "eventsourcing.event.count": int64(2),
		"eventsourcing.outcome": "ok"}, attrs(load))
	var applied int64
	for _, b := range byName["projection.batch"] {
		a := attrs(b)
		assert.Equal(t, "orders_view", a["projection.name"])
		assert.Equal(t, "ok", a["eventsourcing.outcome"])
		assert.Less(t, a["projection.position.from"], a["projection.position.to"])
		applied += a["projection.events.applied"].(int64)
	}
	assert.Equal(t, int64(2), applied, "the batches applied both events")
	for _, p := range byName["outbox.publish"] {
		a := attrs(p)
		assert.Equal(t, "orders", a["outbox.name"])
		assert.NotEmpty(t, a["eventsourcing.event.id"])
		assert.Equal(t, "OrderPlaced", a["eventsourcing.event.type"])
		assert.Equal(t, "ok", a["eventsourcing.outcome"])
	}
	assert.Len(t, byName["outbox.publish"], 2)
}

func checkMetrics(t *testing.T, rm metricdata.ResourceMetrics, system string) {
	got := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			got[m.Name] = m
			for _, set := range attributeSets(m.Data) {
				for _, kv := range set.ToSlice() {
					noSecret(t, "metric "+m.Name, kv)
				}
			}
		}
	}
	appendDur := histogramOf(t, got, "eventsourcing.append.duration")
	assert.Equal(t, "s", got["eventsourcing.append.duration"].Unit)
	outcomes := map[string]uint64{}
	for _, dp := range appendDur.DataPoints {
		v, _ := dp.Attributes.Value("db.system.name")
		assert.Equal(t, system, v.AsString())
		o, _ := dp.Attributes.Value("eventsourcing.outcome")
		outcomes[o.AsString()] += dp.Count
	}
	assert.Equal(t, map[string]uint64{"ok": 1, "conflict": 1}, outcomes)
	assert.NotEmpty(t, histogramOf(t, got, "eventsourcing.load.duration").DataPoints)
	assert.NotEmpty(t, histogramOf(t, got, "outbox.publish.duration").DataPoints)
	assert.Equal(t, int64(2), sumOf(t, got, "eventsourcing.events.appended"))
	assert.Equal(t, int64(1), sumOf(t, got, "eventsourcing.concurrency.conflicts"))
	gauge := func(name, key, value string) float64 {
		t.Helper()
		m, ok := got[name]
		require.True(t, ok, "metric %s", name)
		switch d := m.Data.(type) {
		case metricdata.Gauge[int64]:
			for _, dp := range d.DataPoints {
				if v, _ := dp.Attributes.Value(attribute.Key(key)); key == "" || v.AsString() == value {
					return float64(dp.Value)
				}
			}
		case metricdata.Gauge[float64]:
			for _, dp := range d.DataPoints {
				if v, _ := dp.Attributes.Value(attribute.Key(key)); v.AsString() == value {
					return dp.Value
				}
			}
		}
		t.Fatalf("no point of %s with %s=%s in %+v", name, key, value, m.Data)
		return 0
	}
	assert.Positive(t, gauge("projection.position", "projection.name", "orders_view"))
	assert.Zero(t, gauge("projection.lag", "projection.name", "orders_view"))
	assert.Zero(t, gauge("projection.lag.seconds", "projection.name", "orders_view"))
	assert.Zero(t, gauge("outbox.pending", "outbox.name", "orders"))
	assert.Zero(t, gauge("outbox.dead_letters", "outbox.name", "orders"))
	if system == es.SystemPostgreSQL {
		assert.Zero(t, gauge("eventsourcing.read_horizon.lag", "", ""))
	} else {
		_, ok := got["eventsourcing.read_horizon.lag"]
		assert.False(t, ok, "no read horizon on %s", system)
	}
}

// noSecret fails t when kv holds the payload's secret or the password.
func noSecret(t *testing.T, where string, kv attribute.KeyValue) {
	t.Helper()
	v := kv.Value.Emit()
	assert.NotContains(t, v, secret, "%s: attribute %s", where, kv.Key)
	assert.NotContains(t, v, password, "%s: attribute %s", where, kv.Key)
}

func attrs(sp sdktrace.ReadOnlySpan) map[string]any {
	out := map[string]any{}
	for _, kv := range sp.Attributes() {
		out[string(kv.Key)] = kv.Value.AsInterface()
	}
	return out
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, sp := range spans {
		out = append(out, sp.Name())
	}
	return out
}

func histogramOf(t *testing.T, got map[string]metricdata.Metrics, name string) metricdata.Histogram[float64] {
	t.Helper()
	m, ok := got[name]
	require.True(t, ok, "metric %s", name)
	h, ok := m.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "%s is a histogram of float64: %T", name, m.Data)
	return h
}

func sumOf(t *testing.T, got map[string]metricdata.Metrics, name string) int64 {
	t.Helper()
	m, ok := got[name]
	require.True(t, ok, "metric %s", name)
	s, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is a sum of int64: %T", name, m.Data)
	var n int64
	for _, dp := range s.DataPoints {
		n += dp.Value
	}
	return n
}

func attributeSets(data metricdata.Aggregation) []attribute.Set {
	var out []attribute.Set
	switch d := data.(type) {
	case metricdata.Histogram[float64]:
		for _, dp := range d.DataPoints {
			out = append(out, dp.Attributes)
		}
	case metricdata.Sum[int64]:
		for _, dp := range d.DataPoints {
			out = append(out, dp.Attributes)
		}
	case metricdata.Gauge[int64]:
		for _, dp := range d.DataPoints {
			out = append(out, dp.Attributes)
		}
	case metricdata.Gauge[float64]:
		for _, dp := range d.DataPoints {
			out = append(out, dp.Attributes)
		}
	default:
		panic(fmt.Sprintf("unexpected aggregation %T", data))
	}
	return out
}
