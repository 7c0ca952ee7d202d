package brokertest

import (
	"testing"

	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/natstest"
)

// jetStreamRelays is how many outboxes publish every event to JetStream.
const jetStreamRelays = 3

// JetStream is a real NATS JetStream server ([natstest.Start]) through Watermill's NATS adapter,
// with de-duplication keyed on the message id, the event id, sent as Nats-Msg-Id (case
// RelayJetStreamDeduplicated): three outboxes, each with its own publisher, publish every event
// once, which leaves one message per event in the stream, in order per aggregate, and a
// subscriber receives every event with the EDA headers. Each test gets its own stream and
// subject.
func JetStream() testkit.OutboxBroker {
	return testkit.OutboxBroker{Name: "JetStreamDeduplicated", Open: func(t *testing.T) ([]outbox.PublishFunc, testkit.BrokerCheck) {
		return openJetStream(t, NewJetStreamStream(t, natstest.Start(t), 1))
	}}
}

// JetStreamCluster is [JetStream] on a three-node cluster ([natstest.StartCluster], started for
// the test) with the stream replicated on every node, and publishers connected with the three
// client URLs (case RelayJetStreamCluster).
func JetStreamCluster() testkit.OutboxBroker {
	return testkit.OutboxBroker{Name: "JetStreamCluster", Open: func(t *testing.T) ([]outbox.PublishFunc, testkit.BrokerCheck) {
		return openJetStream(t, NewJetStreamStream(t, natstest.StartCluster(t, 3).URL(), 3))
	}}
}

// openJetStream gives the relay case its publishers on s, and its check: the stream holds each
// event once, and a subscriber receives them all.
func openJetStream(t *testing.T, s *JetStreamStream) ([]outbox.PublishFunc, testkit.BrokerCheck) {
	var publish []outbox.PublishFunc
	for range jetStreamRelays {
		publish = append(publish, s.Publisher(t))
	}
	return publish, s.Check
}
