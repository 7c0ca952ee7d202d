// Command fx runs the event-sourcing module in an Fx application: a Bun event store on a SQLite
// file, a projection, and the outbox delivering saved events to a Watermill channel.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"go.uber.org/fx"

	"github.com/gofly/eventsourcing"
	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// OrderPlaced is the only event of this small aggregate.
type OrderPlaced struct{ Amount int }

// Order is an aggregate whose handler is a method: es.Init binds it.
type Order struct {
	es.AggregateRoot
	Amount int
}

func NewOrder() *Order                       { return es.Init(&Order{}) }
func (o *Order) OnOrderPlaced(e OrderPlaced) { o.Amount += e.Amount }
func (o *Order) Place(id string, amount int) error {
	o.ID = id
	return o.Apply(OrderPlaced{Amount: amount})
}

// Revenue is a projection: the runner the module starts feeds it every event, in order.
type Revenue struct {
	*projection.Typed
	total atomic.Int64
}

func NewRevenue() *Revenue {
	r := &Revenue{Typed: projection.NewTyped("revenue")}
	projection.On(r.Typed, func(_ context.Context, e OrderPlaced, _ es.Envelope) error {
		r.total.Add(int64(e.Amount))
		return nil
	})
	return r
}

func main() {
	dir, _ := os.MkdirTemp("", "orders")
	defer os.RemoveAll(dir)
	k, err := config.LoadKoanf(config.WithYAML([]byte(`
pyfly:
  eventsourcing:
    enabled: true
    store: {provider: bun, url: "sqlite:///` + filepath.Join(dir, "orders.db") + `"}
    outbox: {enabled: true}
`)))
	if err != nil {
		panic(err)
	}
	bus := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{})
	messages, _ := bus.Subscribe(context.Background(), "pyfly.events")

	var revenue *Revenue
	app := fx.New(
		fx.NopLogger,
		eventsourcing.Module,
		fx.Supply(k),
		fx.Provide(fx.Annotate(func() *gochannel.GoChannel { return bus }, fx.As(new(message.Publisher)))),
		eventsourcing.ProvideProjection(NewRevenue),
		fx.Invoke(func(lc fx.Lifecycle, store es.EventStore, opts autoconfig.RepositoryOptions) error {
			repo, err := es.NewRepository(store, NewOrder, opts...) // opts: the outbox
			if err != nil {
				return err
			}
			lc.Append(fx.StartHook(func(ctx context.Context) error {
				o := NewOrder()
				if err := o.Place("order-1", 42); err != nil {
					return err
				}
				return repo.Save(ctx, o) // events and outbox record in one transaction
			}))
			return nil
		}),
		fx.Populate(&revenue),
	)
	if err := app.Start(context.Background()); err != nil {
		panic(err)
	}
	deadline := time.After(10 * time.Second)
	var m *message.Message
	select {
	case m = <-messages: // delivered by the outbox's relay
	case <-deadline:
		panic("no event was published within 10s")
	}
	m.Ack()
	fmt.Println("published:", m.Metadata.Get("event_type"), "of", m.Metadata.Get("aggregate_id"))
	for revenue.total.Load() == 0 { // the runner woke up on the commit; wait for its batch
		select {
		case <-deadline:
			panic("the projection applied nothing within 10s")
		case <-time.After(10 * time.Millisecond):
		}
	}
	fmt.Println("revenue:", revenue.total.Load())
	if err := app.Stop(context.Background()); err != nil {
		panic(err)
	}
}
