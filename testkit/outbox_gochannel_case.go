package testkit

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
)

// testRelayGoChannel: events saved through a repository reach a Watermill subscriber through the
// EDA publisher, each as one message whose id is the event id, with the EDA headers.
func testRelayGoChannel(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := es.WithTenantID(es.WithCorrelationID(context.Background(), "corr-7"), "tenant-7")
	tg := newTarget(t)
	ps := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 64}, watermill.NopLogger{})
	t.Cleanup(func() { _ = ps.Close() })
	msgs, err := ps.Subscribe(t.Context(), eda.DefaultDestination)
	require.NoError(t, err)
	ob := startOutbox(t, tg.Store, eda.NewPublisher(ps, "").Publish, fastOptions(t)...)
	repo, err := es.NewRepository(tg.Events, newOutboxAccount, es.WithOutbox(ob), es.WithAggregateType("Account"))
	require.NoError(t, err)
	for _, id := range []string{"acc-1", "acc-2", "acc-3"} {
		acc := newOutboxAccount()
		acc.ID = id
		require.NoError(t, acc.Apply(accountOpened{Owner: id}))
		require.NoError(t, acc.Apply(accountDeposited{Amount: 10}))
		require.NoError(t, repo.Save(ctx, acc))
	}
	CheckMessages(t, msgs, tg.Events, []string{"acc-1", "acc-2", "acc-3"}, func(m *message.Message) {
		assert.Equal(t, "corr-7", m.Metadata.Get("correlation_id"))
		assert.Equal(t, "tenant-7", m.Metadata.Get(eda.MetaTenantID))
	})
}

// CheckMessages receives one message per event stored for the given aggregates and checks each
// against its stored event: the message id and the event_id header are the event id, the payload
// is the event's, and the EDA headers carry its fields; extra checks each message further. It
// acks every message and fails the test when one does not arrive within a minute.
func CheckMessages(t *testing.T, msgs <-chan *message.Message, events es.EventStore, aggregateIDs []string, extra func(*message.Message)) {
	t.Helper()
	want := map[string]es.Envelope{}
	for _, id := range aggregateIDs {
		stored, err := events.Load(context.Background(), id, 0)
		require.NoError(t, err)
		for _, e := range stored {
			want[e.EventID] = e
		}
	}
	got := map[string]bool{}
	timeout := time.After(time.Minute)
	for len(got) < len(want) {
		var m *message.Message
		select {
		case m = <-msgs:
		case <-timeout:
			t.Fatalf("received %d of %d messages", len(got), len(want))
		}
		m.Ack()
		e, ok := want[m.UUID]
		if !assert.True(t, ok, "message %s is a stored event", m.UUID) {
			continue
		}
		got[m.UUID] = true
		assert.Equal(t, e.EventID, m.Metadata.Get(eda.MetaEventID))
		assert.Equal(t, e.EventType, m.Metadata.Get(eda.MetaEventType))
		assert.Equal(t, e.AggregateID, m.Metadata.Get(eda.MetaAggregateID))
		assert.Equal(t, e.AggregateType, m.Metadata.Get(eda.MetaAggregateType))
		assert.Equal(t, strconv.FormatInt(e.Sequence, 10), m.Metadata.Get(eda.MetaSequence))
		assert.Equal(t, strconv.Itoa(e.Version), m.Metadata.Get(eda.MetaVersion))
		at, err := time.Parse(time.RFC3339Nano, m.Metadata.Get(eda.MetaOccurredAt))
		if assert.NoError(t, err) {
			assert.True(t, at.Equal(e.OccurredAt), "occurred_at %v, want %v", at, e.OccurredAt)
		}
		var gotPayload, wantPayload any
		require.NoError(t, json.Unmarshal(m.Payload, &gotPayload))
		require.NoError(t, json.Unmarshal(e.Payload, &wantPayload))
		assert.Equal(t, wantPayload, gotPayload)
		if extra != nil {
			extra(m)
		}
	}
}
