package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/health"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// probe asks the handler behind srv for the report and returns the status code and the report.
func probe(t *testing.T, srv *httptest.Server) (int, map[string]any) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var rep map[string]any
	require.NoError(t, json.Unmarshal(body, &rep), "%s", body)
	return resp.StatusCode, rep
}

// checkNamed returns the JSON check of component and name.
func checkNamed(t *testing.T, rep map[string]any, component, name string) map[string]any {
	t.Helper()
	for _, c := range rep["checks"].([]any) {
		ch := c.(map[string]any)
		if ch["component"] == component && (name == "" || ch["name"] == name) {
			return ch
		}
	}
	t.Fatalf("no %s check %q in %v", component, name, rep)
	return nil
}

func problems(ch map[string]any) string {
	var out []string
	for _, p := range ch["problems"].([]any) {
		out = append(out, p.(string))
	}
	return strings.Join(out, "\n")
}

// TestHandlerPostgres: on PostgreSQL, a writing transaction left open (named by its pid), a
// runner whose handler keeps failing and an outbox whose relay does not run make the handler answer
// 503 with the report; once they clear it answers 200.
func TestHandlerPostgres(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Start(t)
	db, err := bunstore.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, bunstore.Prepare(ctx, db, true))
	events, err := bunstore.NewEventStore(db)
	require.NoError(t, err)
	cps, err := bunstore.NewCheckpointStore(db)
	require.NoError(t, err)
	lease, err := bunstore.NewLease(db)
	require.NoError(t, err)
	obStore, err := bunstore.NewOutboxStore(db)
	require.NoError(t, err)
	const stall = 300 * time.Millisecond
	admin, err := bunstore.NewAdmin(db, bunstore.WithStallThreshold(stall))
	require.NoError(t, err)

	// A runner whose handler fails on the second event until released.
	var released atomic.Bool
	r, err := projection.NewRunner(projection.FunctionProjection("orders_view", func(ctx context.Context, e es.Envelope) error {
		if e.Sequence == 2 && !released.Load() {
			return errors.New("the read model's table is locked")
		}
		return nil
	}), events, projection.WithCheckpoints(cps), projection.WithLease(lease), projection.WithPollInterval(20*time.Millisecond),
		projection.WithBatchSize(1), projection.WithOwner("process-a"), projection.WithRetry(10*time.Millisecond, 50*time.Millisecond))
	require.NoError(t, err)
	require.NoError(t, r.Start(ctx))
	t.Cleanup(func() { _ = r.Stop(context.Background()) })

	ob, err := outbox.New(obStore, func(context.Context, es.Envelope) error { return nil }, outbox.WithName("orders"),
		outbox.WithPollInterval(20*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(func() { _ = ob.Stop(context.Background()) })
	envs := testkit.Envelopes(t, "Placed", 1, 3)
	require.NoError(t, events.InTx(ctx, func(ctx context.Context) error {
		if err := events.Append(ctx, "order-1", "Order", 0, envs); err != nil {
			return err
		}
		return ob.EnqueueEvents(ctx, envs)
	}))

	c, err := health.NewChecker(admin, health.Config{ProjectionLag: 1, ProjectionStall: stall, OutboxPending: 1, OutboxAge: stall, HorizonAge: stall},
		health.WithRunners(func() []*projection.Runner { return []*projection.Runner{r} }))
	require.NoError(t, err)
	srv := httptest.NewServer(health.NewHandler(c))
	t.Cleanup(srv.Close)

	// A transaction that wrote and stays open holds the read horizon.
	tx, pid := pgtest.HoldHorizon(t, db.DB)
	require.NoError(t, events.Append(ctx, "order-2", "Order", 0, testkit.Envelopes(t, "Placed", 1, 2)))

	var code int
	var rep map[string]any
	testkit.WaitFor(t, 20*time.Second, func() bool {
		code, rep = probe(t, srv)
		// Until the runner has stored its checkpoint, its check may hold no facts of the
		// projection yet.
		facts, _ := checkNamed(t, rep, "projection", "orders_view")["projection"].(map[string]any)
		horizonHealthy, _ := checkNamed(t, rep, "horizon", "")["healthy"].(bool)
		outboxHealthy, _ := checkNamed(t, rep, "outbox", "orders")["healthy"].(bool)
		return code == http.StatusServiceUnavailable && facts["state"] == "failing" && !horizonHealthy && !outboxHealthy
	}, "the handler to report the held horizon, the stuck runner and the outbox: %v", lazyJSON(func() any { return rep }))
	assert.Equal(t, false, rep["healthy"])
	h := checkNamed(t, rep, "horizon", "")
	assert.Contains(t, problems(h), "held by the transaction of pid")
	assert.Equal(t, float64(pid), h["horizon"].(map[string]any)["holder"].(map[string]any)["pid"])
	p := checkNamed(t, rep, "projection", "orders_view")
	assert.Contains(t, problems(p), "the oldest event it has not applied has waited")
	runner := p["runner"].(map[string]any)
	assert.Equal(t, true, runner["running"])
	assert.Equal(t, true, runner["active"])
	assert.Equal(t, "process-a", runner["lease_holder"])
	assert.Contains(t, runner["last_error"], "the read model's table is locked")
	assert.Equal(t, "failing", p["projection"].(map[string]any)["state"], "its process lives, its checkpoint stands still")
	assert.Contains(t, problems(checkNamed(t, rep, "outbox", "orders")), "3 records pending (threshold 1)")

	// They clear: the transaction ends, the handler succeeds, the relay delivers.
	require.NoError(t, tx.Rollback())
	released.Store(true)
	require.NoError(t, ob.Start(ctx))
	testkit.WaitFor(t, 20*time.Second, func() bool {
		code, rep = probe(t, srv)
		return code == http.StatusOK
	}, "the handler to answer 200 again")
	assert.Equal(t, true, rep["healthy"])
}

// TestHandlerMethods: only GET and HEAD; HEAD has the status without the body.
func TestHandlerMethods(t *testing.T) {
	m := newMemStores()
	h := health.NewHandler(m.checker(t, health.Config{}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Empty(t, rec.Body.String())
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `"healthy":true`)
}

// TestRunnersInReport: a runner of this process standing by is noted with the lease's holder; a
// runner that stopped is a problem; a runner whose projection has no checkpoint yet still has
// its check.
func TestRunnersInReport(t *testing.T) {
	ctx := context.Background()
	m := newMemStores()
	require.NoError(t, m.events.Append(ctx, "order-1", "Order", 0, testkit.Envelopes(t, "Placed", 1, 2)))
	noop := projection.FunctionProjection("v", func(context.Context, es.Envelope) error { return nil })
	newRunner := func(owner string) *projection.Runner {
		r, err := projection.NewRunner(noop, m.events, projection.WithCheckpoints(m.cps), projection.WithLease(m.lease),
			projection.WithOwner(owner), projection.WithPollInterval(10*time.Millisecond))
		require.NoError(t, err)
		t.Cleanup(func() { _ = r.Stop(context.Background()) })
		return r
	}
	a, b := newRunner("process-a"), newRunner("process-b")
	idle, err := projection.NewRunner(projection.FunctionProjection("never_started", func(context.Context, es.Envelope) error { return nil }), m.events)
	require.NoError(t, err)
	require.NoError(t, a.Start(ctx))
	testkit.WaitFor(t, 10*time.Second, func() bool { st, err := a.Status(ctx); return err == nil && st.Position == 2 }, "a to catch up")
	require.NoError(t, b.Start(ctx))
	in, err := memoryInspector(m)
	require.NoError(t, err)
	c, err := health.NewChecker(in, health.Config{}, health.WithRunners(func() []*projection.Runner { return []*projection.Runner{b, idle} }))
	require.NoError(t, err)
	r := c.Report(ctx)
	assert.False(t, r.Healthy)
	v := checkOf(t, r, health.ComponentProjection, "v")
	assert.True(t, v.Healthy)
	require.NotNil(t, v.Runner)
	assert.False(t, v.Runner.Active)
	assert.Equal(t, "process-a", v.Runner.LeaseHolder)
	assert.Contains(t, strings.Join(v.Notes, "\n"), `its runner here stands by: "process-a" holds the lease until`)
	never := checkOf(t, r, health.ComponentProjection, "never_started")
	assert.False(t, never.Healthy)
	assert.Equal(t, []string{"its runner in this process is not running"}, never.Problems)
	assert.Nil(t, never.Projection)
}

func memoryInspector(m memStores) (*memory.Inspector, error) {
	return memory.NewInspector(memory.InspectorStores{Events: m.events, Checkpoints: m.cps, Lease: m.lease, DeadLetters: m.letters, Outbox: m.ob})
}

type lazyJSON func() any

func (f lazyJSON) String() string {
	b, _ := json.Marshal(f())
	return string(b)
}
