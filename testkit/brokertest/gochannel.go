package brokertest

import (
	"testing"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/testkit"
)

// GoChannel is Watermill's in-process Go channel (case RelayGoChannel): one outbox publishes
// through the EDA publisher, and a subscriber receives each event as one message whose id is the
// event id, with the EDA headers.
func GoChannel() testkit.OutboxBroker {
	return testkit.OutboxBroker{Name: "GoChannel", Open: func(t *testing.T) ([]outbox.PublishFunc, testkit.BrokerCheck) {
		ps := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 64}, watermill.NopLogger{})
		t.Cleanup(func() { _ = ps.Close() })
		msgs, err := ps.Subscribe(t.Context(), eda.DefaultDestination)
		require.NoError(t, err)
		check := func(t *testing.T, events es.EventStore, aggregateIDs []string) {
			CheckMessages(t, msgs, events, aggregateIDs, nil)
		}
		return []outbox.PublishFunc{eda.NewPublisher(ps, "").Publish}, check
	}}
}
