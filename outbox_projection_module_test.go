package eventsourcing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/gofly/eventsourcing"
	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/testkit"
)

// outboxBeans are the outbox's beans.
type outboxBeans struct {
	fx.In

	Store   es.EventStore
	Outbox  *outbox.Outbox
	Options autoconfig.RepositoryOptions
}

// With outbox.enabled, repositories built with the module's RepositoryOptions enqueue every saved
// event, and the relay, started with the application, delivers them to the Watermill publisher.
func TestModuleOutboxDelivers(t *testing.T) {
	for name, kv := range map[string]map[string]any{
		"memory": {},
		"sqlite": {"pyfly.eventsourcing.store.provider": "bun", "pyfly.data.relational.url": testkit.SQLiteFileURL(t)},
	} {
		t.Run(name, func(t *testing.T) {
			ps := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 16}, watermill.NopLogger{})
			t.Cleanup(func() { _ = ps.Close() })
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			msgs, err := ps.Subscribe(ctx, "pyfly.events")
			require.NoError(t, err)
			kv["pyfly.eventsourcing.outbox.enabled"] = true
			kv["pyfly.eventsourcing.outbox.poll-interval"] = "50ms"
			var ob outboxBeans
			startApp(t, keys(t, enabled(kv)), fx.Populate(&ob),
				fx.Provide(fx.Annotate(func() *gochannel.GoChannel { return ps }, fx.As(new(message.Publisher)))))
			require.NotNil(t, ob.Outbox)
			require.NotEmpty(t, ob.Options)

			repo, err := es.NewRepository(ob.Store, newOrder, ob.Options...)
			require.NoError(t, err)
			o := newOrder()
			o.ID = "order-1"
			require.NoError(t, o.Apply(OrderPlaced{Amount: 42}))
			require.NoError(t, o.Apply(OrderShipped{Carrier: "DHL"}))
			sctx := es.WithCorrelationID(es.WithTenantID(context.Background(), "acme"), "corr-1")
			require.NoError(t, repo.Save(sctx, o))
			envs, err := ob.Store.Load(ctx, "order-1", 0)
			require.NoError(t, err)
			requireDelivered(t, envs, receive(t, msgs, len(envs))) // global_position as stored

			// An event appended on its own and enqueued after, as an envelope without its
			// position: its message still carries the position the store gave it.
			more, err := es.NewEnvelope(OrderShipped{Carrier: "UPS"})
			require.NoError(t, err)
			more.TenantID, more.Metadata = envs[0].TenantID, envs[0].Metadata
			require.NoError(t, ob.Store.Append(ctx, "order-1", "Order", 2, []es.Envelope{more}))
			stored, err := ob.Store.Load(ctx, "order-1", 2)
			require.NoError(t, err)
			require.Len(t, stored, 1)
			require.NotZero(t, stored[0].GlobalPosition)
			handBuilt := stored[0]
			handBuilt.GlobalPosition = 0
			require.NoError(t, ob.Outbox.Enqueue(ctx, handBuilt))
			requireDelivered(t, stored, receive(t, msgs, 1))
			require.Eventually(t, func() bool {
				p, err := ob.Outbox.Pending(ctx, 10)
				return err == nil && len(p) == 0
			}, 10*time.Second, 20*time.Millisecond, "every record delivered")
		})
	}
}

func TestModuleOutboxMisconfigured(t *testing.T) {
	for name, tc := range map[string]struct {
		kv   map[string]any
		want string
	}{
		"no publisher": {map[string]any{"pyfly.eventsourcing.outbox.enabled": true}, "no Watermill publisher"},
		"another database": {map[string]any{
			"pyfly.eventsourcing.outbox.enabled": true, "pyfly.eventsourcing.store.provider": "bun",
			"pyfly.data.relational.url": testkit.SQLiteFileURL(t), "pyfly.eventsourcing.outbox.url": testkit.SQLiteFileURL(t),
		}, "pyfly.eventsourcing.outbox.url"},
		"outbox in memory, events in SQLite": {map[string]any{
			"pyfly.eventsourcing.outbox.enabled": true, "pyfly.eventsourcing.store.provider": "bun",
			"pyfly.data.relational.url": testkit.SQLiteFileURL(t), "pyfly.eventsourcing.outbox.provider": "memory",
		}, "pyfly.eventsourcing.outbox.provider"},
		"claim shorter than a publish": {map[string]any{
			"pyfly.eventsourcing.outbox.enabled": true, "pyfly.eventsourcing.outbox.claim-timeout": "1s",
			"pyfly.eventsourcing.outbox.publish-timeout": "5s",
		}, "pyfly.eventsourcing.outbox"},
	} {
		t.Run(name, func(t *testing.T) {
			app := fx.New(fx.NopLogger, eventsourcing.Module, fx.Supply(keys(t, enabled(tc.kv))), fx.Invoke(func(*outbox.Outbox) {}))
			require.ErrorIs(t, app.Err(), config.ErrInvalidConfig)
			assert.Contains(t, app.Err().Error(), tc.want)
		})
	}
}

// recordingView is a projection that records what it handles.
type recordingView struct {
	mu   sync.Mutex
	seen []string
}

func (v *recordingView) Name() string { return "orders_view" }

func (v *recordingView) Handle(_ context.Context, e es.Envelope) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seen = append(v.seen, e.AggregateID+"/"+e.EventType)
	return nil
}

func (v *recordingView) handled() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.seen...)
}

// A projection registered with ProvideProjection runs from start to stop; a commit wakes it well
// before its poll interval.
func TestModuleRunsProjections(t *testing.T) {
	for name, kv := range map[string]map[string]any{
		"memory": {},
		"sqlite": {"pyfly.eventsourcing.store.provider": "bun", "pyfly.data.relational.url": testkit.SQLiteFileURL(t)},
	} {
		t.Run(name, func(t *testing.T) {
			view := &recordingView{}
			kv["pyfly.eventsourcing.projection.poll-interval"] = "1h"
			var store es.EventStore
			var runners *autoconfig.Projections
			app := fxtest.New(t, fx.NopLogger, eventsourcing.Module, fx.Supply(keys(t, enabled(kv))),
				eventsourcing.ProvideProjection(func() *recordingView { return view }),
				fx.Populate(&store, &runners))
			app.RequireStart()
			repo, err := es.NewRepository(store, newOrder)
			require.NoError(t, err)
			o := newOrder()
			o.ID = "order-7"
			require.NoError(t, o.Apply(OrderPlaced{Amount: 1}))
			require.NoError(t, o.Apply(OrderShipped{Carrier: "UPS"}))
			require.NoError(t, repo.Save(context.Background(), o))
			require.Eventually(t, func() bool { return len(view.handled()) == 2 }, 10*time.Second, 10*time.Millisecond,
				"the commit wakes the runner (its poll interval is an hour)")
			assert.Equal(t, []string{"order-7/OrderPlaced", "order-7/OrderShipped"}, view.handled())
			r := runners.Runner("orders_view")
			require.NotNil(t, r)
			st, err := r.Status(context.Background())
			require.NoError(t, err)
			assert.True(t, st.Active)
			app.RequireStop()
		})
	}
}

func TestModuleProjectionNamesAreUnique(t *testing.T) {
	p := func() projection.Projection {
		return projection.FunctionProjection("same", func(context.Context, es.Envelope) error { return nil })
	}
	app := fx.New(fx.NopLogger, eventsourcing.Module, fx.Supply(keys(t, enabled(nil))),
		eventsourcing.ProvideProjection(p), eventsourcing.ProvideProjection(p))
	require.Error(t, app.Err())
	assert.Contains(t, app.Err().Error(), `two projections are named "same"`)
}
