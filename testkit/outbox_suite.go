package testkit

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// OutboxTarget is an outbox store under test and what the suite needs around it.
type OutboxTarget struct {
	// Store is the store under test, empty.
	Store outbox.Store
	// Tx runs transactions that Store and Events join.
	Tx es.Transactor
	// Events is an event store on the same data whose transactions Store joins: the repository
	// cases save through it.
	Events es.EventStore
	// Open returns another store on the same data, as a second process would have it (with its
	// own connection pool), and a function that kills it: every later call fails, as when its
	// process dies (a database target closes the pool). Stores it returns are closed with the test.
	Open func(t *testing.T) (store outbox.Store, kill func())
	// WriteRecord, when set, writes a record of outbox the way another program (or a person
	// with SQL) would, past Enqueue's checks: e's fields as given, and payload and metadata as
	// the raw texts given. Stores that can hold only what Enqueue accepts (memory) leave it nil,
	// and the cases that need it skip.
	WriteRecord func(t *testing.T, outbox string, e es.Envelope, payload, metadata string)
	// Checkpoints, when set, returns a checkpoint store on the data of Events, each call as
	// another process would have it (a database target opens another pool): the [outbox.Stream]
	// cases keep their positions in it, and skip when it is nil.
	Checkpoints func(t *testing.T) projection.CheckpointStore
	// Lease, when set, returns a lease on the same data, each call as another process would
	// have it: the Stream case with two streams of one outbox elects one with it, and skips
	// when it is nil.
	Lease func(t *testing.T) projection.Lease
}

// OutboxStoreFactory returns a new, empty target for one test.
type OutboxStoreFactory func(t *testing.T) OutboxTarget

// OutboxStoreTest is one named case of the outbox store suite. Run a single case with
// tc.Run(t, newTarget), or filter with go test -run 'Suite/Name'.
type OutboxStoreTest = Case[OutboxStoreFactory]

// OutboxStoreTests returns the cases of the outbox store suite, in the order
// [RunOutboxStoreSuite] runs them: first the [outbox.Store] contract, then an [outbox.Outbox] and
// its relays over the store, then an [outbox.Stream] over the target's events (the cases named
// Stream…), then one case per broker, relaying to it.
func OutboxStoreTests(brokers ...OutboxBroker) []OutboxStoreTest {
	cases := []OutboxStoreTest{
		{"EnqueueAndPending", testOutboxEnqueueAndPending},
		{"EnqueueTwice", testOutboxEnqueueTwice},
		{"EnqueueRefused", testOutboxEnqueueRefused},
		{"HostileValues", testOutboxHostileValues},
		{"HostileValuesWithAppend", testOutboxHostileValuesWithAppend},
		{"HostileMetadataRefused", testOutboxHostileMetadata},
		{"Transactions", testOutboxTransactions},
		{"ClaimInOrderPerAggregate", testOutboxClaimOrder},
		{"ClaimLongRunHoldsBackNoOne", testOutboxLongRun},
		{"ClaimExclusiveUntilExpiry", testOutboxClaimExclusive},
		{"FailuresAndDeadLetters", testOutboxFailures},
		{"Release", testOutboxRelease},
		{"Prune", testOutboxPrune},
		{"DeleteDelivered", testOutboxDeleteDelivered},
		{"OutboxesApart", testOutboxesApart},
		{"BadCalls", testOutboxBadCalls},
		{"ConcurrentClaims", testOutboxConcurrentClaims},
		{"ClaimRuns", testOutboxClaimRuns},
		{"ClaimRunsStopAtNotDue", testOutboxClaimRunsStopAtNotDue},
		{"ConcurrentRunClaims", testOutboxConcurrentRunClaims},
		{"ClaimUndecodable", testOutboxClaimUndecodable},
		{"ClaimHoldBehindDead", testOutboxClaimHoldBehindDead},
		{"ClaimFillsGlobalPosition", testOutboxClaimFillsPosition},
		{"RelayCommitAndRollback", testRelayCommitAndRollback},
		{"RelayRepositorySave", testRelayRepositorySave},
		{"RelayFlakyPublisherThreeRelays", testRelayFlakyPublisher},
		{"RelayDeadLettersAndRetry", testRelayDeadLetters},
		{"RelayRestart", testRelayRestart},
		{"RelayKilledWhileHolding", testRelayKilled},
		{"RelayRunStopsAtFailure", testRelayRunStopsAtFailure},
		{"RelayKilledMidRun", testRelayKilledMidRun},
		{"RelayKeepsNoDelivered", testRelayKeepsNoDelivered},
		{"RelayUndecodable", testRelayUndecodable},
		{"RelayDeadLetterPolicyParkAggregate", testRelayParkAggregate},
		{"RelayDeadLetterPolicyPause", testRelayPause},
		{"RelayDeadLetterPolicyRetry", testRelayRetryPolicy},
		{"RelaySkipAndRetryAll", testRelaySkipAndRetryAll},
		{"Requeue", testOutboxRequeue},
		{"RequeueKeepsPendingOrder", testOutboxRequeueKeepsPendingOrder},
		{"StreamConcurrentWriters", testStreamConcurrentWriters},
		{"StreamGlobalPositions", testStreamGlobalPositions},
		{"StreamRestart", testStreamRestart},
		{"StreamLeaseTakeover", testStreamLeaseTakeover},
	}
	for _, b := range brokers {
		cases = append(cases, brokerCase(b))
	}
	return cases
}

// RunOutboxStoreSuite runs every case of [OutboxStoreTests] as a subtest named after it: the
// conformance suite every [outbox.Store] must pass, with the brokers at hand.
func RunOutboxStoreSuite(t *testing.T, newTarget OutboxStoreFactory, brokers ...OutboxBroker) {
	t.Helper()
	runCases(t, OutboxStoreTests(brokers...), newTarget)
}

// OutboxEnvelopes returns n envelopes of aggregate aggregateID (type "Account") with sequences
// from+0 … from+n-1, ready to enqueue.
func OutboxEnvelopes(t testing.TB, aggregateID string, from, n int) []es.Envelope {
	t.Helper()
	envs := Envelopes(t, "Deposited", from, n)
	for i := range envs {
		envs[i].AggregateID = aggregateID
		envs[i].AggregateType = "Account"
		envs[i].Sequence = int64(from + i)
	}
	return envs
}

// suiteLogger logs errors of the code under test into the test's output while the test runs.
func suiteLogger(t *testing.T) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(w.close) // registered first, so it runs after every other cleanup of the test
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelError}))
}

type testWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Logf("%s", p)
	}
	return len(p), nil
}

func (w *testWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
}

// text is a fixed description for waitFor.
func text(s string) func() string { return func() string { return s } }

// fastOptions are relay settings for tests: quick polls and back-off.
func fastOptions(t *testing.T, extra ...outbox.Option) []outbox.Option {
	return append([]outbox.Option{
		outbox.WithPollInterval(20 * time.Millisecond),
		outbox.WithBackoff(time.Millisecond, 10*time.Millisecond),
		outbox.WithPublishTimeout(5 * time.Second),
		outbox.WithClaimTimeout(20 * time.Second),
		outbox.WithLogger(suiteLogger(t)),
	}, extra...)
}

// startOutbox builds and starts an outbox, stopped when the test ends.
func startOutbox(t *testing.T, store outbox.Store, publish outbox.PublishFunc, opts ...outbox.Option) *outbox.Outbox {
	t.Helper()
	ob, err := outbox.New(store, publish, opts...)
	require.NoError(t, err)
	require.NoError(t, ob.Start(t.Context()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = ob.Stop(ctx)
	})
	return ob
}

// pendingCount counts the records of an outbox that are neither delivered nor dead.
func pendingCount(t *testing.T, s outbox.Store, name string) int {
	t.Helper()
	recs, err := s.Pending(context.Background(), name, outbox.MaxBatchSize)
	require.NoError(t, err)
	return len(recs)
}
