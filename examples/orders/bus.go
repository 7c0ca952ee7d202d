package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/nats-io/nats.go"
)

// topic is where the outbox publishes (pyfly.eventsourcing.eda.destination's default).
const topic = "pyfly.events"

// Bus is the Watermill side of the example: the publisher the outbox delivers to, and a
// subscriber that records what arrives, per order, in arrival order.
type Bus struct {
	Publisher  message.Publisher
	subscriber message.Subscriber

	mu       sync.Mutex
	received map[string][]string // order id -> "event_type (sequence n)"
	count    int
}

// NewBus returns an in-process bus (gochannel), or one on NATS JetStream when natsURL is set.
func NewBus(natsURL string) (*Bus, error) {
	logger := watermill.NopLogger{}
	if natsURL == "" {
		// Blocking until the subscriber acks keeps the outbox's order per order on the channel.
		ch := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 1024, BlockPublishUntilSubscriberAck: true}, logger)
		return &Bus{Publisher: ch, subscriber: ch, received: map[string][]string{}}, nil
	}
	if err := ensureStream(natsURL); err != nil {
		return nil, err
	}
	pub, err := wmnats.NewPublisher(wmnats.PublisherConfig{
		URL: natsURL, Marshaler: &wmnats.NATSMarshaler{},
		// The message id is the event id: JetStream drops a second delivery of one event.
		JetStream: wmnats.JetStreamConfig{TrackMsgId: true},
	}, logger)
	if err != nil {
		return nil, fmt.Errorf("NATS publisher: %w", err)
	}
	sub, err := wmnats.NewSubscriber(wmnats.SubscriberConfig{
		URL: natsURL, Unmarshaler: &wmnats.NATSMarshaler{}, AckWaitTimeout: 5 * time.Second,
		JetStream: wmnats.JetStreamConfig{SubscribeOptions: []nats.SubOpt{nats.DeliverNew(), nats.AckExplicit()}},
	}, logger)
	if err != nil {
		_ = pub.Close()
		return nil, fmt.Errorf("NATS subscriber: %w", err)
	}
	return &Bus{Publisher: pub, subscriber: sub, received: map[string][]string{}}, nil
}

// ensureStream creates the JetStream stream of the topic, de-duplicating on the message id.
func ensureStream(url string) error {
	nc, err := nats.Connect(url)
	if err != nil {
		return fmt.Errorf("connect to NATS: %w", err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		return err
	}
	cfg := &nats.StreamConfig{Name: "PYFLY_EVENTS", Subjects: []string{topic}, Duplicates: 10 * time.Minute}
	if _, err := js.StreamInfo(cfg.Name); err == nil {
		return nil
	}
	_, err = js.AddStream(cfg)
	return err
}

// Listen records every message on the topic until ctx ends.
func (b *Bus) Listen(ctx context.Context) error {
	msgs, err := b.subscriber.Subscribe(ctx, topic)
	if err != nil {
		return err
	}
	go func() {
		for m := range msgs {
			md := m.Metadata
			b.mu.Lock()
			id := md.Get("aggregate_id")
			b.received[id] = append(b.received[id], fmt.Sprintf("%s (sequence %s)", md.Get("event_type"), md.Get("sequence")))
			b.count++
			b.mu.Unlock()
			m.Ack()
		}
	}()
	return nil
}

// Received returns how many messages arrived, and a copy of them per order.
func (b *Bus) Received() (int, map[string][]string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string][]string, len(b.received))
	for k, v := range b.received {
		out[k] = append([]string(nil), v...)
	}
	return b.count, out
}

// Close closes the publisher and the subscriber.
func (b *Bus) Close() error {
	err := b.Publisher.Close()
	if any(b.subscriber) != any(b.Publisher) {
		if serr := b.subscriber.Close(); err == nil {
			err = serr
		}
	}
	return err
}
