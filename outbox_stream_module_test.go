package eventsourcing_test

import (
	"context"
	"testing"

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
	"github.com/gofly/eventsourcing/health"
	"github.com/gofly/eventsourcing/testkit"
)

// streamBeans are the beans of an outbox in mode stream.
type streamBeans struct {
	fx.In

	Store   es.EventStore
	Outbox  *outbox.Outbox
	Stream  *autoconfig.OutboxStream
	Options autoconfig.RepositoryOptions
	Health  *health.Checker
}

// With outbox.mode stream, saves write no records (the repository options hold no outbox), and
// the stream, started with the application, publishes every saved event with its global
// position; a second application on the same database goes on after what the first published.
func TestModuleOutboxStreamDelivers(t *testing.T) {
	for name, kv := range map[string]map[string]any{
		"memory": {},
		"sqlite": {"pyfly.eventsourcing.store.provider": "bun", "pyfly.data.relational.url": testkit.SQLiteFileURL(t)},
	} {
		t.Run(name, func(t *testing.T) {
			ps := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 64}, watermill.NopLogger{})
			t.Cleanup(func() { _ = ps.Close() })
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			msgs, err := ps.Subscribe(ctx, "pyfly.events")
			require.NoError(t, err)
			kv["pyfly.eventsourcing.outbox.enabled"] = true
			kv["pyfly.eventsourcing.outbox.mode"] = "stream"
			kv["pyfly.eventsourcing.outbox.poll-interval"] = "50ms"
			provide := fx.Provide(fx.Annotate(func() *gochannel.GoChannel { return ps }, fx.As(new(message.Publisher))))

			save := func(b streamBeans, id string) []es.Envelope {
				repo, err := es.NewRepository(b.Store, newOrder, b.Options...)
				require.NoError(t, err)
				o := newOrder()
				o.ID = id
				require.NoError(t, o.Apply(OrderPlaced{Amount: 42}))
				require.NoError(t, o.Apply(OrderShipped{Carrier: "DHL"}))
				require.NoError(t, repo.Save(es.WithCorrelationID(es.WithTenantID(ctx, "acme"), "corr-1"), o))
				envs, err := b.Store.Load(ctx, id, 0)
				require.NoError(t, err)
				return envs
			}

			var b streamBeans
			app := fxtest.New(t, eventsourcing.Module, fx.NopLogger, fx.Supply(keys(t, enabled(kv))), fx.Populate(&b), provide)
			app.RequireStart()
			require.Nil(t, b.Outbox, "mode stream keeps no records")
			require.NotNil(t, b.Stream)
			envs := save(b, "order-1")
			for _, env := range envs {
				require.NotZero(t, env.GlobalPosition)
			}
			requireDelivered(t, envs, receive(t, msgs, len(envs)))
			st, err := b.Stream.Stream().Status(ctx)
			require.NoError(t, err)
			assert.Equal(t, outbox.StreamName(outbox.DefaultName), st.Name)
			requireStreamHealthy(t, b.Health)
			app.RequireStop()
			if name == "memory" {
				return
			}

			var b2 streamBeans
			app2 := fxtest.New(t, eventsourcing.Module, fx.NopLogger, fx.Supply(keys(t, enabled(kv))), fx.Populate(&b2), provide)
			app2.RequireStart()
			defer app2.RequireStop()
			more := save(b2, "order-2")
			got := receive(t, msgs, len(more))
			for _, env := range more {
				require.Contains(t, got, env.EventID, "the second application publishes what is saved after the first stopped")
			}
			for _, env := range envs {
				require.NotContains(t, got, env.EventID, "published again after a clean stop")
			}
		})
	}
}

func TestModuleOutboxStreamMisconfigured(t *testing.T) {
	for name, tc := range map[string]struct {
		kv   map[string]any
		want string
	}{
		"no publisher":   {map[string]any{"pyfly.eventsourcing.outbox.enabled": true, "pyfly.eventsourcing.outbox.mode": "stream"}, "no Watermill publisher"},
		"unknown mode":   {map[string]any{"pyfly.eventsourcing.outbox.enabled": true, "pyfly.eventsourcing.outbox.mode": "tail"}, "pyfly.eventsourcing.outbox.mode"},
		"bad start-from": {map[string]any{"pyfly.eventsourcing.outbox.start-from": "now"}, "pyfly.eventsourcing.outbox.start-from"},
		"bad interval":   {map[string]any{"pyfly.eventsourcing.outbox.checkpoint-interval": "-1s"}, "pyfly.eventsourcing.outbox.checkpoint-interval"},
	} {
		t.Run(name, func(t *testing.T) {
			app := fx.New(fx.NopLogger, eventsourcing.Module, fx.Supply(keys(t, enabled(tc.kv))), fx.Invoke(func(es.EventStore) {}))
			require.ErrorIs(t, app.Err(), config.ErrInvalidConfig)
			assert.Contains(t, app.Err().Error(), tc.want)
		})
	}
}

// requireStreamHealthy asserts that the health report judges the outbox stream as a projection,
// with what its runner in this process says of itself.
func requireStreamHealthy(t *testing.T, c *health.Checker) {
	t.Helper()
	rep := c.Report(context.Background())
	for _, ch := range rep.Checks {
		if ch.Component == health.ComponentProjection && ch.Name == outbox.StreamName(outbox.DefaultName) {
			assert.True(t, ch.Healthy, "problems: %v", ch.Problems)
			require.NotNil(t, ch.Runner, "the stream's runner reports itself")
			assert.True(t, ch.Runner.Running)
			assert.True(t, ch.Runner.Active)
			return
		}
	}
	t.Fatalf("no check of the projection %s in %+v", outbox.StreamName(outbox.DefaultName), rep.Checks)
}
