package eda_test

import (
	"context"
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
)

func ExamplePublisher() {
	ps := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 1}, watermill.NopLogger{})
	defer ps.Close()
	msgs, _ := ps.Subscribe(context.Background(), "orders")

	env, _ := es.NewEnvelope(struct{ Amount int }{Amount: 5})
	env.AggregateID, env.AggregateType, env.Sequence = "order-1", "Order", 1

	p := eda.NewPublisher(ps, "orders")
	if err := p.Publish(context.Background(), env); err != nil {
		fmt.Println(err)
		return
	}
	m := <-msgs
	m.Ack()
	fmt.Println(m.UUID == env.EventID, m.Metadata.Get("aggregate_id"), m.Metadata.Get("sequence"), string(m.Payload))
	// Output: true order-1 1 {"Amount":5}
}
