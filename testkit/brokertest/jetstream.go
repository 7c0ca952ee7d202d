package brokertest

import (
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/natstest"
)

// jetStreamRelays is how many outboxes publish every event to JetStream.
const jetStreamRelays = 3

// JetStream is a real NATS JetStream server ([natstest.Start]) through Watermill's NATS adapter,
// with de-duplication keyed on the message id, the event id, sent as Nats-Msg-Id (case
// RelayJetStreamDeduplicated): three outboxes, each with its own publisher, publish every event
// once, which leaves one message per event in the stream, and a subscriber receives every event
// with the EDA headers. Each test gets its own stream and subject.
func JetStream() testkit.OutboxBroker {
	return testkit.OutboxBroker{Name: "JetStreamDeduplicated", Open: openJetStream}
}

func openJetStream(t *testing.T) ([]outbox.PublishFunc, testkit.BrokerCheck) {
	url := natstest.Start(t)
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	stream := "OUTBOX_" + hex.EncodeToString(suffix[:])
	subject := "outbox.events." + hex.EncodeToString(suffix[:])
	nc, err := nats.Connect(url)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := nc.JetStream()
	require.NoError(t, err)
	_, err = js.AddStream(&nats.StreamConfig{Name: stream, Subjects: []string{subject}, Duplicates: 10 * time.Minute})
	require.NoError(t, err)
	t.Cleanup(func() { _ = js.DeleteStream(stream) })

	var publish []outbox.PublishFunc
	for range jetStreamRelays {
		pub, err := wmnats.NewPublisher(wmnats.PublisherConfig{
			URL: url, Marshaler: &wmnats.NATSMarshaler{},
			JetStream: wmnats.JetStreamConfig{TrackMsgId: true},
		}, watermill.NopLogger{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = pub.Close() })
		publish = append(publish, eda.NewPublisher(pub, subject).Publish)
	}
	check := func(t *testing.T, events es.EventStore, aggregateIDs []string) {
		info, err := js.StreamInfo(stream)
		require.NoError(t, err)
		want := len(storedEvents(t, events, aggregateIDs))
		assert.Equal(t, uint64(want), info.State.Msgs, "one message per event in the stream, though each was published %d times", jetStreamRelays)

		sub, err := wmnats.NewSubscriber(wmnats.SubscriberConfig{
			URL: url, Unmarshaler: &wmnats.NATSMarshaler{}, AckWaitTimeout: 5 * time.Second, CloseTimeout: time.Second,
			JetStream: wmnats.JetStreamConfig{SubscribeOptions: []nats.SubOpt{nats.DeliverAll(), nats.AckExplicit()}},
		}, watermill.NopLogger{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = sub.Close() })
		msgs, err := sub.Subscribe(t.Context(), subject)
		require.NoError(t, err)
		CheckMessages(t, msgs, events, aggregateIDs, nil)
	}
	return publish, check
}
