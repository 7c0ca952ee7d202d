package bunstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/components/forwarder"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// watermillPollInterval is how often the forwarder's SQL subscriber looks for messages when it
// found none: Watermill has no commit signal, and its default (1 s) would add up to a second at
// the end of every run.
const watermillPollInterval = 10 * time.Millisecond

// startWatermillForwarder sets up Watermill's SQL outbox on db (see newWatermillOutbox) and
// starts its forwarder.
func startWatermillForwarder(b *testing.B, db *bun.DB) (received *atomic.Int64, enqueue func(ctx context.Context, envs []es.Envelope) error) {
	w := newWatermillOutbox(b, db)
	w.start()
	return w.received, w.enqueue
}

// watermillOutbox is Watermill's SQL outbox on a database, as its documentation wires it: a
// watermill-sql publisher on the business transaction, wrapped by the forwarder's publisher, and
// a forwarder moving the messages from the SQL topic (a table of its own per run) to a gochannel
// whose subscriber counts what it receives.
type watermillOutbox struct {
	received *atomic.Int64
	// enqueue publishes the events, as eda messages, in the transaction ctx carries.
	enqueue func(ctx context.Context, envs []es.Envelope) error
	// start starts the forwarder; it stops when the benchmark ends.
	start func()
}

func newWatermillOutbox(b *testing.B, db *bun.DB) *watermillOutbox {
	b.Helper()
	received := new(atomic.Int64)
	out := benchSubscriber(b, func(*message.Message) { received.Add(1) })
	topic := fmt.Sprintf("forward_%d", time.Now().UnixNano())
	schema := wmsql.DefaultPostgreSQLSchema{}
	sub, err := wmsql.NewSubscriber(wmsql.BeginnerFromStdSQL(db.DB), wmsql.SubscriberConfig{
		ConsumerGroup: "bench", PollInterval: watermillPollInterval,
		SchemaAdapter: schema, OffsetsAdapter: wmsql.DefaultPostgreSQLOffsetsAdapter{}, InitializeSchema: true,
	}, watermill.NopLogger{})
	require.NoError(b, err)
	require.NoError(b, sub.SubscribeInitialize(topic))
	b.Cleanup(func() { _ = sub.Close() })
	start := func() {
		fwd, err := forwarder.NewForwarder(sub, out, watermill.NopLogger{}, forwarder.Config{ForwarderTopic: topic})
		require.NoError(b, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- fwd.Run(ctx) }()
		<-fwd.Running()
		b.Cleanup(func() {
			cancel()
			_ = fwd.Close()
			<-done
		})
	}
	config := forwarder.PublisherConfig{ForwarderTopic: topic}
	enqueue := func(ctx context.Context, envs []es.Envelope) error {
		tx, ok := bunstore.TxFrom(ctx)
		if !ok {
			return errors.New("no transaction to publish in")
		}
		pub, err := wmsql.NewPublisher(wmsql.TxFromStdSQL(tx.Tx), wmsql.PublisherConfig{SchemaAdapter: schema}, watermill.NopLogger{})
		if err != nil {
			return err
		}
		msgs := make([]*message.Message, len(envs))
		for i, e := range envs {
			if msgs[i], err = eda.NewMessage(e); err != nil {
				return err
			}
		}
		return forwarder.NewPublisher(pub, config).Publish(eda.DefaultDestination, msgs...)
	}
	return &watermillOutbox{received: received, enqueue: enqueue, start: start}
}
