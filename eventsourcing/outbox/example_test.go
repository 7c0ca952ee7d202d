package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/stores/memory"
)

type OrderPlaced struct {
	Amount int `json:"amount"`
}

type Order struct {
	es.AggregateRoot
	Amount int
}

func NewOrder() *Order {
	o := &Order{}
	es.When(o, func(e OrderPlaced) { o.Amount = e.Amount })
	return o
}

// A repository with an outbox: the saved events are written with the outbox records in one
// transaction, and the relay publishes them to a Watermill topic.
func Example() {
	ctx := context.Background()
	bus := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{})
	messages, _ := bus.Subscribe(ctx, eda.DefaultDestination)

	publisher := eda.NewPublisher(bus, eda.DefaultDestination)
	ob, err := outbox.New(memory.NewOutboxStore(), publisher.Publish, outbox.WithMaxAttempts(5))
	if err != nil {
		panic(err)
	}
	if err := ob.Start(ctx); err != nil {
		panic(err)
	}
	defer ob.Stop(ctx)

	repo, err := es.NewRepository(memory.NewEventStore(), NewOrder, es.WithOutbox(ob))
	if err != nil {
		panic(err)
	}
	order := NewOrder()
	order.ID = "order-1"
	_ = order.Apply(OrderPlaced{Amount: 42})
	if err := repo.Save(ctx, order); err != nil {
		panic(err)
	}

	select {
	case msg := <-messages:
		msg.Ack()
		fmt.Println(msg.Metadata.Get(eda.MetaEventType), msg.Metadata.Get(eda.MetaAggregateID), string(msg.Payload))
	case <-time.After(10 * time.Second):
		fmt.Println("no message")
	}
	// Output: OrderPlaced order-1 {"amount":42}
}

// A whole Config at once: a zero field keeps its default, and Validate (which New runs) names
// the field at fault.
func ExampleWithConfig() {
	cfg := outbox.Config{Name: "orders", BatchSize: 50, BackoffMax: 10 * time.Second}
	ob, err := outbox.New(memory.NewOutboxStore(), func(context.Context, es.Envelope) error { return nil },
		outbox.WithConfig(cfg), outbox.WithRelays(2))
	fmt.Println(ob.Name(), err)

	cfg.ClaimTimeout = 5 * time.Second
	var ce *outbox.ConfigError
	if err := cfg.Validate(); errors.As(err, &ce) {
		fmt.Println(ce.Field)
		fmt.Println(err)
	}
	// Output:
	// orders <nil>
	// ClaimTimeout
	// eventsourcing: invalid argument: outbox.Config.ClaimTimeout: the claim timeout (5s) must be longer than the publish timeout (30s): a relay starts a publish only when it can end before its claim does
}

// The outbox without records: the repository saves the events alone, and a stream publishes
// every event of the store, in order, with its global position, from a stored position.
func ExampleNewStream() {
	ctx := context.Background()
	bus := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{})
	messages, _ := bus.Subscribe(ctx, eda.DefaultDestination)

	store := memory.NewEventStore()
	publisher := eda.NewPublisher(bus, eda.DefaultDestination)
	st, err := outbox.NewStream(store, publisher.Publish, outbox.StreamConfig{
		Config:      outbox.Config{MaxAttempts: 5},
		Checkpoints: memory.NewCheckpointStore(), Lease: memory.NewLease(), DeadLetters: memory.NewDeadLetterStore(),
	})
	if err != nil {
		panic(err)
	}
	if err := st.Start(ctx); err != nil {
		panic(err)
	}
	defer st.Stop(ctx)

	repo, err := es.NewRepository(store, NewOrder) // no outbox option: the events are the outbox
	if err != nil {
		panic(err)
	}
	order := NewOrder()
	order.ID = "order-1"
	_ = order.Apply(OrderPlaced{Amount: 42})
	if err := repo.Save(ctx, order); err != nil {
		panic(err)
	}

	select {
	case msg := <-messages:
		msg.Ack()
		fmt.Println(msg.Metadata.Get(eda.MetaEventType), msg.Metadata.Get(eda.MetaAggregateID),
			msg.Metadata.Get(eda.MetaGlobalPosition), string(msg.Payload))
	case <-time.After(10 * time.Second):
		fmt.Println("no message")
	}
	// Output: OrderPlaced order-1 1 {"amount":42}
}
