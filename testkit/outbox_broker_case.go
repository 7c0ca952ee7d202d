package testkit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
)

// OutboxBroker is a message broker that the outbox store suite relays to, for the cases that need
// a real one: give it to [RunOutboxStoreSuite] or [OutboxStoreTests] (package testkit/brokertest
// has Watermill's Go channel and NATS JetStream). The suite does the store's part: it saves
// events through a repository whose outboxes publish through the broker, and checks that every
// outbox published every event once, in order per aggregate. The broker does the other part: it
// checks what it delivered.
type OutboxBroker struct {
	// Name names the suite's case: "Relay" + Name.
	Name string
	// Open prepares the broker for one test (its own destination, removed when the test ends).
	// It returns one publish function per outbox the case runs, each outbox publishing every
	// event (several show what the broker makes of duplicates), and the check to run once they
	// all have.
	Open func(t *testing.T) (publish []outbox.PublishFunc, check BrokerCheck)
}

// BrokerCheck checks what a broker delivered against the events stored in events for the given
// aggregates; each event carries a correlation id and a tenant.
type BrokerCheck func(t *testing.T, events es.EventStore, aggregateIDs []string)

// brokerCase is the suite's case of broker b.
func brokerCase(b OutboxBroker) OutboxStoreTest {
	return OutboxStoreTest{Name: "Relay" + b.Name, Run: func(t *testing.T, newTarget OutboxStoreFactory) {
		testRelayBroker(t, newTarget, b)
	}}
}

// FanOut enqueues every event in each of several outboxes, so that each delivers every event:
// es.WithOutbox(testkit.FanOut{a, b}) makes a repository enqueue what it saves in both, in the
// append's transaction when they all join it.
type FanOut []*outbox.Outbox

// EnqueueEvents implements es.EventEnqueuer: it enqueues events in each outbox in turn.
func (f FanOut) EnqueueEvents(ctx context.Context, events []es.Envelope) error {
	for _, ob := range f {
		if err := ob.EnqueueEvents(ctx, events); err != nil {
			return err
		}
	}
	return nil
}

// JoinsTx implements es.TxJoiner: whether every outbox joins the transaction ctx carries.
func (f FanOut) JoinsTx(ctx context.Context) bool {
	for _, ob := range f {
		if !ob.JoinsTx(ctx) {
			return false
		}
	}
	return true
}

// testRelayBroker: events saved through a repository, with a correlation id and a tenant, are
// published by each outbox over the store once, in order per aggregate, through the broker's
// publish functions; then the broker checks what it delivered.
func testRelayBroker(t *testing.T, newTarget OutboxStoreFactory, b OutboxBroker) {
	correlation, tenant := "corr-"+b.Name, "tenant-"+b.Name
	ctx := es.WithTenantID(es.WithCorrelationID(context.Background(), correlation), tenant)
	tg := newTarget(t)
	publish, check := b.Open(t)
	require.NotEmpty(t, publish, "the broker gives one publish function per outbox")

	var (
		obs  FanOut
		recs []*PublishRecorder
	)
	for i, p := range publish {
		rec := &PublishRecorder{Fail: func(ctx context.Context, e es.Envelope) error { return p(ctx, e) }}
		recs = append(recs, rec)
		obs = append(obs, startOutbox(t, tg.Store, rec.Publish, fastOptions(t, outbox.WithName(fmt.Sprintf("relay-%d", i)))...))
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
	for i, ob := range obs {
		waitFor(t, time.Minute, text("every relay publishing every event"), func() bool {
			return recs[i].Distinct() == events && pendingCount(t, tg.Store, ob.Name()) == 0
		})
	}
	for _, ob := range obs {
		require.NoError(t, ob.Stop(ctx))
	}
	for i, rec := range recs {
		_, duplicates, _ := rec.Stats()
		assert.Zero(t, duplicates, "relay-%d published each event once", i)
		assert.Empty(t, rec.OrderProblem(), "relay-%d", i)
	}
	for _, id := range ids {
		stored, err := tg.Events.Load(ctx, id, 0)
		require.NoError(t, err)
		for _, e := range stored {
			assert.Equal(t, correlation, e.Metadata[es.MetadataCorrelationID], "event %s", e.EventID)
			assert.Equal(t, tenant, e.TenantID, "event %s", e.EventID)
			for i, rec := range recs {
				assert.Equal(t, 1, rec.Delivered(e.EventID), "relay-%d published stored event %s", i, e.EventID)
			}
		}
	}
	check(t, tg.Events, ids)
}
