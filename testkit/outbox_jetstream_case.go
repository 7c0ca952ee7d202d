package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/testkit/natstest"
)

// fanOut enqueues every event in several outboxes.
type fanOut []*outbox.Outbox

func (f fanOut) EnqueueEvents(ctx context.Context, events []es.Envelope) error {
	for _, ob := range f {
		if err := ob.EnqueueEvents(ctx, events); err != nil {
			return err
		}
	}
	return nil
}

func (f fanOut) JoinsTx(ctx context.Context) bool {
	for _, ob := range f {
		if !ob.JoinsTx(ctx) {
			return false
		}
	}
	return true
}

// testRelayJetStream: through Watermill's NATS adapter to a real JetStream server, with
// de-duplication keyed on the message id (the event id, as Nats-Msg-Id): three relays that each
// publish every event once leave one message per event in the stream, and a subscriber receives
// every event with the EDA headers.
func testRelayJetStream(t *testing.T, newTarget OutboxStoreFactory) {
	url := natstest.Start(t)
	ctx := es.WithCorrelationID(context.Background(), "corr-js")
	tg := newTarget(t)

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

	var (
		mu        sync.Mutex
		published = map[string]map[string]int{} // outbox -> event id -> publishes
	)
	var obs fanOut
	for i := range 3 {
		name := fmt.Sprintf("relay-%d", i)
		pub, err := wmnats.NewPublisher(wmnats.PublisherConfig{
			URL: url, Marshaler: &wmnats.NATSMarshaler{},
			JetStream: wmnats.JetStreamConfig{TrackMsgId: true},
		}, watermill.NopLogger{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = pub.Close() })
		edaPub := eda.NewPublisher(pub, subject)
		published[name] = map[string]int{}
		publish := func(ctx context.Context, e es.Envelope) error {
			if err := edaPub.Publish(ctx, e); err != nil {
				return err
			}
			mu.Lock()
			published[name][e.EventID]++
			mu.Unlock()
			return nil
		}
		obs = append(obs, startOutbox(t, tg.Store, publish, fastOptions(t, outbox.WithName(name))...))
	}
	repo, err := es.NewRepository(tg.Events, newOutboxAccount, es.WithOutbox(obs), es.WithAggregateType("Account"))
	require.NoError(t, err)
	var ids []string
	for i := range 10 {
		acc := newOutboxAccount()
		acc.ID = fmt.Sprintf("acc-%d", i)
		require.NoError(t, acc.Apply(accountOpened{Owner: acc.ID}))
		require.NoError(t, acc.Apply(accountDeposited{Amount: i}))
		require.NoError(t, acc.Apply(accountDeposited{Amount: 1}))
		require.NoError(t, repo.Save(ctx, acc))
		ids = append(ids, acc.ID)
	}
	const events = 30
	for _, ob := range obs {
		waitFor(t, time.Minute, text("every relay publishing every event"), func() bool { return pendingCount(t, tg.Store, ob.Name()) == 0 })
	}
	mu.Lock()
	for name, byEvent := range published {
		assert.Len(t, byEvent, events, "%s published every event", name)
		for id, n := range byEvent {
			assert.Equal(t, 1, n, "%s published %s once", name, id)
		}
	}
	mu.Unlock()
	info, err := js.StreamInfo(stream)
	require.NoError(t, err)
	assert.Equal(t, uint64(events), info.State.Msgs, "one message per event in the stream, though each was published three times")

	sub, err := wmnats.NewSubscriber(wmnats.SubscriberConfig{
		URL: url, Unmarshaler: &wmnats.NATSMarshaler{}, AckWaitTimeout: 5 * time.Second, CloseTimeout: time.Second,
		JetStream: wmnats.JetStreamConfig{SubscribeOptions: []nats.SubOpt{nats.DeliverAll(), nats.AckExplicit()}},
	}, watermill.NopLogger{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Close() })
	msgs, err := sub.Subscribe(t.Context(), subject)
	require.NoError(t, err)
	CheckMessages(t, msgs, tg.Events, ids, func(m *message.Message) {
		assert.Equal(t, "corr-js", m.Metadata.Get("correlation_id"))
	})
}
