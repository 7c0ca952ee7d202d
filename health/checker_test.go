package health_test

import (
	"context"
	"encoding/json"
	"strings"
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

type memStores struct {
	events  *memory.EventStore
	cps     *memory.CheckpointStore
	lease   *memory.Lease
	letters *memory.DeadLetterStore
	ob      *memory.OutboxStore
}

func newMemStores() memStores {
	return memStores{memory.NewEventStore(), memory.NewCheckpointStore(), memory.NewLease(), memory.NewDeadLetterStore(), memory.NewOutboxStore()}
}

func (m memStores) checker(t *testing.T, cfg health.Config) *health.Checker {
	t.Helper()
	in, err := memory.NewInspector(memory.InspectorStores{Events: m.events, Checkpoints: m.cps, Lease: m.lease, DeadLetters: m.letters,
		Outbox: m.ob, StallThreshold: cfg.ProjectionStall})
	require.NoError(t, err)
	c, err := health.NewChecker(in, cfg)
	require.NoError(t, err)
	return c
}

func checkOf(t *testing.T, r health.Report, component health.Component, name string) health.Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Component == component && c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s check named %q in %+v", component, name, r.Checks)
	return health.Check{}
}

func TestConfig(t *testing.T) {
	d := health.DefaultConfig()
	assert.Equal(t, int64(health.DefaultProjectionLag), d.ProjectionLag)
	assert.Equal(t, health.DefaultHorizonAge, d.HorizonAge)
	assert.Zero(t, d.DeadLetters, "dead letters do not fail the report by default")
	for _, bad := range []health.Config{{ProjectionLag: -1}, {ProjectionStall: -time.Second}, {OutboxAge: 9000 * time.Hour}, {DeadLetters: -2}} {
		err := bad.Validate()
		assert.ErrorIs(t, err, es.ErrInvalidArgument, "%+v", bad)
	}
	err := health.Config{HorizonAge: -time.Second}.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "health.Config.HorizonAge")
	_, err = health.NewChecker(nil, health.Config{})
	assert.Error(t, err)
}

// TestReport: a projection that lags, an outbox that backs up and dead letters over the
// threshold make the report unhealthy, each check saying why; once they clear it is healthy.
func TestReport(t *testing.T) {
	ctx := context.Background()
	m := newMemStores()
	cfg := health.Config{ProjectionLag: 3, ProjectionStall: time.Hour, OutboxPending: 2, OutboxAge: time.Hour, DeadLetters: 1}
	c := m.checker(t, cfg)
	r := c.Report(ctx)
	assert.True(t, r.Healthy)
	require.Len(t, r.Checks, 1, "the store alone; memory has no horizon")
	assert.Equal(t, health.ComponentStore, r.Checks[0].Component)

	require.NoError(t, m.events.Append(ctx, "order-1", "Order", 0, testkit.Envelopes(t, "Placed", 1, 5)))
	require.NoError(t, m.cps.Reset(ctx, "orders_view", 1))
	stream, err := m.events.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	require.NoError(t, m.ob.Enqueue(ctx, "orders", stream[:3], time.Now().Add(-2*time.Hour)))
	for i := range 2 {
		require.NoError(t, m.letters.Park(ctx, projection.DeadLetter{Projection: "orders_view", Event: stream[i], Attempts: 1, Error: "x", FailedAt: time.Now()}))
	}
	r = c.Report(ctx)
	assert.False(t, r.Healthy)
	p := checkOf(t, r, health.ComponentProjection, "orders_view")
	assert.False(t, p.Healthy)
	assert.Contains(t, strings.Join(p.Problems, "\n"), "4 events behind (threshold 3)")
	assert.Contains(t, strings.Join(p.Problems, "\n"), "2 dead letters (threshold 1)")
	require.NotNil(t, p.Projection)
	assert.Equal(t, int64(4), p.Projection.Lag)
	o := checkOf(t, r, health.ComponentOutbox, "orders")
	assert.False(t, o.Healthy)
	assert.Contains(t, strings.Join(o.Problems, "\n"), "3 records pending (threshold 2)")
	assert.Contains(t, strings.Join(o.Problems, "\n"), "the oldest pending record has waited 2h")

	// They clear: a runner catches up, the relay delivers, the letters are dealt with.
	runner, err := projection.NewRunner(projection.FunctionProjection("orders_view", func(context.Context, es.Envelope) error { return nil }),
		m.events, projection.WithCheckpoints(m.cps), projection.WithLease(m.lease), projection.WithPollInterval(10*time.Millisecond))
	require.NoError(t, err)
	require.NoError(t, runner.Start(ctx))
	t.Cleanup(func() { _ = runner.Stop(context.Background()) })
	published := make(chan string, 10)
	ob, err := outbox.New(m.ob, func(_ context.Context, e es.Envelope) error { published <- e.EventID; return nil },
		outbox.WithName("orders"), outbox.WithPollInterval(10*time.Millisecond))
	require.NoError(t, err)
	require.NoError(t, ob.Start(ctx))
	t.Cleanup(func() { _ = ob.Stop(context.Background()) })
	for _, e := range stream[:2] {
		_, err := m.letters.Delete(ctx, "orders_view", e.EventID)
		require.NoError(t, err)
	}
	testkit.WaitFor(t, 10*time.Second, func() bool { return c.Report(ctx).Healthy }, "the report to be healthy again: %v", lazyReport(func() health.Report { return c.Report(ctx) }))
	r = c.Report(ctx)
	p = checkOf(t, r, health.ComponentProjection, "orders_view")
	assert.Equal(t, "active", string(p.Projection.State))
	assert.Len(t, published, 3)
}

// TestDeadLettersNoteByDefault: below the threshold (by default, any number) dead letters are a
// note, not a problem.
func TestDeadLettersNoteByDefault(t *testing.T) {
	ctx := context.Background()
	m := newMemStores()
	require.NoError(t, m.events.Append(ctx, "order-1", "Order", 0, testkit.Envelopes(t, "Placed", 1, 1)))
	stream, err := m.events.ReadAll(ctx, 0, 1)
	require.NoError(t, err)
	require.NoError(t, m.cps.Reset(ctx, "v", 1))
	require.NoError(t, m.letters.Park(ctx, projection.DeadLetter{Projection: "v", Event: stream[0], Attempts: 1, Error: "x", FailedAt: time.Now()}))
	r := m.checker(t, health.Config{}).Report(ctx)
	assert.True(t, r.Healthy)
	assert.Equal(t, []string{"1 dead letters"}, checkOf(t, r, health.ComponentProjection, "v").Notes)
}

// TestStoreUnreachable: a store that cannot be reached fails the store's check, and the report
// holds that check alone; one without its tables fails on the schema.
func TestStoreUnreachable(t *testing.T) {
	ctx := context.Background()
	db, err := bunstore.Open(ctx, testkit.SQLiteFileURL(t))
	require.NoError(t, err)
	a, err := bunstore.NewAdmin(db)
	require.NoError(t, err)
	c, err := health.NewChecker(a, health.Config{})
	require.NoError(t, err)
	r := c.Report(ctx)
	assert.False(t, r.Healthy)
	require.Len(t, r.Checks, 1)
	assert.Contains(t, r.Checks[0].Problems[0], "schema: ")
	assert.Contains(t, r.Checks[0].Problems[0], "0001_event_store")
	require.NoError(t, db.Close())
	r = c.Report(ctx)
	assert.False(t, r.Healthy)
	assert.Contains(t, r.Checks[0].Problems[0], "unreachable: ")
}

// TestHorizonHeld: on PostgreSQL a writing transaction left open holds events back: the report
// names its pid until it ends.
func TestHorizonHeld(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Start(t)
	db, err := bunstore.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, bunstore.Prepare(ctx, db, true))
	s, err := bunstore.NewEventStore(db)
	require.NoError(t, err)
	a, err := bunstore.NewAdmin(db)
	require.NoError(t, err)
	c, err := health.NewChecker(a, health.Config{HorizonAge: time.Millisecond})
	require.NoError(t, err)
	assert.True(t, c.Report(ctx).Healthy)

	tx, pid := pgtest.HoldHorizon(t, db.DB)
	require.NoError(t, s.Append(ctx, "order-1", "Order", 0, testkit.Envelopes(t, "Placed", 1, 2)))
	time.Sleep(5 * time.Millisecond)
	r := c.Report(ctx)
	assert.False(t, r.Healthy)
	h := checkOf(t, r, health.ComponentHorizon, "")
	require.NotNil(t, h.Horizon)
	require.NotNil(t, h.Horizon.Holder)
	assert.Equal(t, pid, h.Horizon.Holder.PID)
	assert.Contains(t, h.Problems[0], "2 events wait beyond the read horizon, held by the transaction of pid")
	require.NoError(t, tx.Rollback())
	assert.True(t, c.Report(ctx).Healthy)
}

// TestReportJSON: the report's JSON form.
func TestReportJSON(t *testing.T) {
	ctx := context.Background()
	m := newMemStores()
	require.NoError(t, m.cps.Reset(ctx, "v", 0))
	b, err := json.Marshal(m.checker(t, health.Config{}).Report(ctx))
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, true, got["healthy"])
	checks := got["checks"].([]any)
	require.Len(t, checks, 2)
	store := checks[0].(map[string]any)
	assert.Equal(t, "store", store["component"])
	assert.Equal(t, []any{}, store["problems"])
	proj := checks[1].(map[string]any)
	assert.Equal(t, "v", proj["name"])
	facts := proj["projection"].(map[string]any)
	assert.Equal(t, "0", facts["position"], "positions are strings")
	assert.Nil(t, facts["lease_holder"])
	for _, k := range []string{"name", "position", "lag", "state", "lease_holder", "lease_expires_at", "dead_letters"} {
		assert.Contains(t, facts, k)
	}
}

type lazyReport func() health.Report

func (f lazyReport) String() string {
	b, _ := json.Marshal(f())
	return string(b)
}
