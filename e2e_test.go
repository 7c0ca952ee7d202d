package eventsourcing_test

import (
	"context"
	"database/sql"
	"strconv"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// OrderPlaced and OrderShipped are the events of the end-to-end tests.
type OrderPlaced struct{ Amount int }

// OrderShipped marks an order shipped.
type OrderShipped struct{ Carrier string }

// Order is the aggregate of the end-to-end tests.
type Order struct {
	es.AggregateRoot
	Amount  int
	Carrier string
}

func newOrder() *Order {
	o := &Order{}
	es.When(o, func(e OrderPlaced) { o.Amount = e.Amount })
	return o
}

// OnOrderShipped handles OrderShipped by method.
func (o *Order) OnOrderShipped(e OrderShipped) { o.Carrier = e.Carrier }

// saveAndPublish places and ships an order through the repository, then publishes its stored
// envelopes through the module's publisher. It returns the envelopes.
func saveAndPublish(t *testing.T, b beans) []es.Envelope {
	t.Helper()
	ctx := es.WithCorrelationID(es.WithTenantID(context.Background(), "acme"), "corr-1")
	repo, err := es.NewRepository(b.Store, newOrder, es.WithSnapshots(b.Snapshots, 2))
	require.NoError(t, err)
	o := newOrder()
	o.ID = "order-1"
	require.NoError(t, o.Apply(OrderPlaced{Amount: 42}))
	require.NoError(t, o.Apply(OrderShipped{Carrier: "DHL"}))
	require.NoError(t, repo.Save(ctx, o))

	loaded, err := repo.Load(ctx, "order-1")
	require.NoError(t, err)
	require.Equal(t, 42, loaded.Amount)
	require.Equal(t, "DHL", loaded.Carrier)
	require.EqualValues(t, 2, loaded.Version)

	envs, err := b.Store.Load(ctx, "order-1", 0)
	require.NoError(t, err)
	require.Len(t, envs, 2)
	require.NoError(t, b.Publisher.PublishAll(ctx, envs))
	return envs
}

// receive reads n messages (acking them) within a deadline, keyed by UUID.
func receive(t *testing.T, msgs <-chan *message.Message, n int) map[string]*message.Message {
	t.Helper()
	got := map[string]*message.Message{}
	deadline := time.After(30 * time.Second)
	for len(got) < n {
		select {
		case m, ok := <-msgs:
			require.True(t, ok, "subscription closed")
			m.Ack()
			got[m.UUID] = m
		case <-deadline:
			t.Fatalf("received %d of %d messages", len(got), n)
		}
	}
	return got
}

// requireDelivered checks each envelope arrived with the bridge's headers.
func requireDelivered(t *testing.T, envs []es.Envelope, got map[string]*message.Message) {
	t.Helper()
	for _, env := range envs {
		m := got[env.EventID]
		require.NotNil(t, m, "event %s (%s) not delivered", env.EventID, env.EventType)
		require.JSONEq(t, string(env.Payload), string(m.Payload))
		md := m.Metadata
		require.Equal(t, env.EventID, md.Get("event_id"))
		require.Equal(t, env.EventType, md.Get("event_type"))
		require.Equal(t, "order-1", md.Get("aggregate_id"))
		require.Equal(t, "Order", md.Get("aggregate_type"))
		require.Equal(t, strconv.FormatInt(env.Sequence, 10), md.Get("sequence"))
		require.Equal(t, "1", md.Get("version"))
		require.Equal(t, "acme", md.Get("tenant_id"))
		require.Equal(t, "corr-1", md.Get("correlation_id"))
		at, err := time.Parse(time.RFC3339Nano, md.Get("occurred_at"))
		require.NoError(t, err)
		require.True(t, at.Equal(env.OccurredAt))
		if env.GlobalPosition != 0 {
			require.Equal(t, strconv.FormatInt(env.GlobalPosition, 10), md.Get("global_position"))
		}
	}
}

func TestEndToEndGoChannel(t *testing.T) {
	t.Parallel()
	ps := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 16}, watermill.NopLogger{})
	t.Cleanup(func() { _ = ps.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	msgs, err := ps.Subscribe(ctx, "orders.events")
	require.NoError(t, err)

	b, _ := startApp(t, keys(t, enabled(map[string]any{
		"pyfly.eventsourcing.store.provider":    "bun",
		"pyfly.eventsourcing.snapshot.provider": "bun",
		"pyfly.data.relational.url":             testkit.SQLiteFileURL(t),
		"pyfly.eventsourcing.eda.destination":   "orders.events",
	})), fx.Provide(fx.Annotate(func() *gochannel.GoChannel { return ps }, fx.As(new(message.Publisher)))))

	envs := saveAndPublish(t, b)
	requireDelivered(t, envs, receive(t, msgs, len(envs)))
	snap, ok, err := b.Snapshots.Load(context.Background(), "order-1")
	require.NoError(t, err)
	require.True(t, ok, "the batch crossed the snapshot interval")
	require.EqualValues(t, 2, snap.Sequence)
}

func TestEndToEndWatermillSQL(t *testing.T) {
	t.Parallel()
	url := pgtest.Start(t)
	sqldb, err := sql.Open("pgx", url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqldb.Close() })
	logger := watermill.NopLogger{}

	pub, err := wmsql.NewPublisher(wmsql.BeginnerFromStdSQL(sqldb), wmsql.PublisherConfig{
		SchemaAdapter:        wmsql.DefaultPostgreSQLSchema{},
		AutoInitializeSchema: true,
	}, logger)
	require.NoError(t, err)
	sub, err := wmsql.NewSubscriber(wmsql.BeginnerFromStdSQL(sqldb), wmsql.SubscriberConfig{
		ConsumerGroup:    "e2e",
		PollInterval:     50 * time.Millisecond,
		SchemaAdapter:    wmsql.DefaultPostgreSQLSchema{},
		OffsetsAdapter:   wmsql.DefaultPostgreSQLOffsetsAdapter{},
		InitializeSchema: true,
	}, logger)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	msgs, err := sub.Subscribe(ctx, "pyfly.events")
	require.NoError(t, err)

	b, _ := startApp(t, keys(t, enabled(map[string]any{
		"pyfly.eventsourcing.store.provider":     "sqlalchemy",
		"pyfly.eventsourcing.store.auto_migrate": true,
		"pyfly.eventsourcing.snapshot.provider":  "sqlalchemy",
		"pyfly.data.relational.url":              url,
	})), fx.Provide(fx.Annotate(func() *wmsql.Publisher { return pub }, fx.As(new(message.Publisher)))))
	require.Equal(t, "pyfly.events", b.Publisher.Destination())

	envs := saveAndPublish(t, b)
	got := receive(t, msgs, len(envs))
	requireDelivered(t, envs, got)
}
