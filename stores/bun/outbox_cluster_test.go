package bunstore_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/brokertest"
	"github.com/gofly/eventsourcing/testkit/natstest"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// The run of TestOutboxToJetStreamClusterThroughANodeCrash: 250 aggregates of 20 events each,
// saved 5 at a time by two writers; the stream's leader is killed once killAfter events are in
// the stream and restarted once restartAfter are.
const (
	clusterAggregates    = 250
	clusterRounds        = 4
	clusterEventsPerSave = 5
	clusterEvents        = clusterAggregates * clusterRounds * clusterEventsPerSave
	killAfter            = 1000
	restartAfter         = 2500
)

// ledgerNoted is the event of the cluster test's aggregate.
type ledgerNoted struct {
	N int `json:"n"`
}

// ledger is the cluster test's aggregate: it counts its events.
type ledger struct {
	es.AggregateRoot
	Notes int
}

func newLedger() *ledger {
	l := &ledger{}
	es.When(l, func(ledgerNoted) { l.Notes++ })
	return l
}

// TestOutboxToJetStreamClusterThroughANodeCrash: 5,000 events saved on PostgreSQL go through
// two outboxes, each publishing every event with a publisher of its own, to a stream replicated
// on a three-node JetStream cluster and de-duplicated on the event id, while the node leading the
// stream is killed with SIGKILL and later restarted. Afterwards the stream holds each event
// exactly once, in order per aggregate: none lost, and none twice though every event was
// published twice, some of them again after a publish whose outcome the node's death left
// unknown.
func TestOutboxToJetStreamClusterThroughANodeCrash(t *testing.T) {
	ctx := context.Background()
	cluster := natstest.StartCluster(t, 3)
	stream := brokertest.NewJetStreamStream(t, cluster.URL(), 3)
	db := openDB(t, pgtest.Start(t))
	events, store := newEventStore(t, db), newOutboxStore(t, db)

	var (
		obs  testkit.FanOut
		recs []*testkit.PublishRecorder
	)
	for _, name := range []string{"relay-a", "relay-b"} {
		publish := stream.Publisher(t)
		rec := &testkit.PublishRecorder{Fail: func(ctx context.Context, e es.Envelope) error { return publish(ctx, e) }}
		ob, err := outbox.New(store, rec.Publish,
			outbox.WithName(name),
			outbox.WithRelays(4),
			outbox.WithPollInterval(100*time.Millisecond),
			outbox.WithBackoff(50*time.Millisecond, 500*time.Millisecond),
			outbox.WithMaxAttempts(math.MaxInt), // retried until the cluster takes it: nothing may become a dead letter
			outbox.WithPublishTimeout(10*time.Second),
			outbox.WithClaimTimeout(time.Minute),
			outbox.WithLogger(testkit.NewLogRecorder().Logger()))
		require.NoError(t, err)
		require.NoError(t, ob.Start(ctx))
		t.Cleanup(func() { _ = ob.Stop(context.Background()) })
		obs, recs = append(obs, ob), append(recs, rec)
	}
	// published is how many events both outboxes have published: each is in the stream.
	published := func() int { return min(recs[0].Distinct(), recs[1].Distinct()) }
	repo, err := es.NewRepository(events, newLedger, es.WithOutbox(obs), es.WithAggregateType("Ledger"))
	require.NoError(t, err)

	began := time.Now()
	ids := make([]string, clusterAggregates)
	for i := range ids {
		ids[i] = fmt.Sprintf("ledger-%03d", i)
	}
	writeErr := make(chan error, 1)
	go func() { writeErr <- saveLedgers(ctx, repo, ids) }()

	if cluster.Local() {
		testkit.WaitFor(t, time.Minute, func() bool { return published() >= killAfter }, "%d events published", killAfter)
		leader := streamLeader(t, cluster, stream.Name)
		require.NoError(t, cluster.Kill(leader))
		t.Logf("%v: node %d, the stream's leader, killed after %d events", time.Since(began).Round(time.Millisecond), leader, published())
		testkit.WaitFor(t, time.Minute, func() bool { return published() >= restartAfter }, "%d events published with a node down", restartAfter)
		require.NoError(t, cluster.Restart(leader))
		t.Logf("%v: node %d restarted and current, after %d events", time.Since(began).Round(time.Millisecond), leader, published())
	} else {
		t.Log("the cluster named by ES_TEST_NATS_CLUSTER_URLS is not the test kit's: no node is killed")
	}
	require.NoError(t, <-writeErr)
	testkit.WaitFor(t, time.Minute, func() bool { return published() == clusterEvents }, "every event published")
	failed := 0
	for i, ob := range obs {
		require.NoError(t, ob.Stop(ctx))
		successes, _, failures := recs[i].Stats()
		failed += failures
		t.Logf("%v: %s: %d events published: %d publishes acknowledged, %d failed and retried",
			time.Since(began).Round(time.Millisecond), ob.Name(), recs[i].Distinct(), successes, failures)
		pending, err := ob.Pending(ctx, 1)
		require.NoError(t, err)
		assert.Empty(t, pending, "%s delivered every record", ob.Name())
		dead, err := ob.DeadLetters(ctx, 1)
		require.NoError(t, err)
		assert.Empty(t, dead, "%s has no dead letter", ob.Name())
		assert.Empty(t, recs[i].OrderProblem(), "%s published each aggregate's events in order", ob.Name())
	}
	if cluster.Local() {
		assert.Positive(t, failed, "the node's death failed publishes in flight, which were published again")
	}
	stream.CheckExactlyOnce(t, events, ids)
}

// saveLedgers saves clusterRounds rounds of clusterEventsPerSave events on every ledger, from
// two writers, each with half the ledgers.
func saveLedgers(ctx context.Context, repo *es.Repository[*ledger], ids []string) error {
	var (
		wg   sync.WaitGroup
		errs [2]error
	)
	for w := range errs {
		wg.Go(func() { errs[w] = saveLedgersOf(ctx, repo, ids, w, len(errs)) })
	}
	wg.Wait()
	return errors.Join(errs[:]...)
}

// saveLedgersOf saves the rounds of the ledgers ids[w], ids[w+step], …
func saveLedgersOf(ctx context.Context, repo *es.Repository[*ledger], ids []string, w, step int) error {
	ledgers := map[string]*ledger{}
	for round := range clusterRounds {
		for k := w; k < len(ids); k += step {
			l := ledgers[ids[k]]
			if l == nil {
				l = newLedger()
				l.ID = ids[k]
				ledgers[ids[k]] = l
			}
			for n := range clusterEventsPerSave {
				if err := l.Apply(ledgerNoted{N: round*clusterEventsPerSave + n}); err != nil {
					return err
				}
			}
			if err := repo.Save(ctx, l); err != nil {
				return fmt.Errorf("save %s: %w", l.ID, err)
			}
		}
	}
	return nil
}

// streamLeader returns the index of the node that leads the stream.
func streamLeader(t *testing.T, cluster *natstest.Cluster, name string) int {
	t.Helper()
	nc, err := nats.Connect(cluster.URL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := nc.JetStream()
	require.NoError(t, err)
	info, err := js.StreamInfo(name)
	require.NoError(t, err)
	require.NotNil(t, info.Cluster, "the stream is clustered")
	leader := cluster.Index(info.Cluster.Leader)
	require.GreaterOrEqual(t, leader, 0, "the stream's leader %q is a node of the cluster", info.Cluster.Leader)
	return leader
}
