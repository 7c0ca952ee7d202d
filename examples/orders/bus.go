package main

import (
	"context"
	"errors"
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
	// Name says what carries the messages, for the account.
	Name string

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
		return &Bus{Publisher: ch, subscriber: ch, Name: "Watermill Go channel, in process", received: map[string][]string{}}, nil
	}
	pub, err := NewJetStreamPublisher(natsURL)
	if err != nil {
		return nil, err
	}
	sub, err := wmnats.NewSubscriber(wmnats.SubscriberConfig{
		URL: natsURL, Unmarshaler: &wmnats.NATSMarshaler{}, AckWaitTimeout: 5 * time.Second,
		JetStream: wmnats.JetStreamConfig{SubscribeOptions: []nats.SubOpt{nats.DeliverNew(), nats.AckExplicit()}},
	}, logger)
	if err != nil {
		_ = pub.Close()
		return nil, fmt.Errorf("NATS subscriber: %w", err)
	}
	return &Bus{Publisher: pub, subscriber: sub, Name: "NATS JetStream, stream " + streamName, received: map[string][]string{}}, nil
}

// streamName is the JetStream stream that keeps the messages of the topic.
const streamName = "PYFLY_EVENTS"

// NewJetStreamPublisher returns a Watermill publisher onto NATS JetStream for the outbox. The
// stream drops a message whose id it has seen within its duplicates window, and the publisher
// sends each message's id, the event id, as the JetStream message id (TrackMsgId): an event that
// the outbox delivers twice (a relay that died after publishing, before marking the record) is
// kept once.
func NewJetStreamPublisher(url string) (message.Publisher, error) {
	nc, err := nats.Connect(url)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		return nil, err
	}
	stream := &nats.StreamConfig{Name: streamName, Subjects: []string{topic}, Duplicates: 10 * time.Minute}
	_, err = js.StreamInfo(stream.Name)
	if errors.Is(err, nats.ErrStreamNotFound) {
		_, err = js.AddStream(stream)
	}
	if err != nil {
		return nil, fmt.Errorf("JetStream stream %s: %w", stream.Name, err)
	}
	return wmnats.NewPublisher(wmnats.PublisherConfig{
		URL:       url,
		Marshaler: &wmnats.NATSMarshaler{},
		JetStream: wmnats.JetStreamConfig{TrackMsgId: true}, // JetStream's message id is the event id
	}, watermill.NopLogger{})
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
