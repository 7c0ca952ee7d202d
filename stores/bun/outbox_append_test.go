package bunstore_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// appendWithRecords appends events to aggregate id at expected in a transaction on db, asking
// the append to write their records of outbox name (EnqueueWithAppend), and reports whether it
// did; when it did not, it enqueues them as a repository does.
func appendWithRecords(t *testing.T, db *bun.DB, events es.EventStore, store *bunstore.OutboxStore, name, id string, expected int64, envs []es.Envelope) (bool, error) {
	t.Helper()
	ctx := context.Background()
	var wrote bool
	err := bunstore.InTx(ctx, db, func(ctx context.Context) error {
		actx, written := store.EnqueueWithAppend(ctx, store, name, envs, time.Now())
		if err := events.Append(actx, id, "Account", expected, envs); err != nil {
			return err
		}
		if wrote = written(); wrote {
			return nil
		}
		return store.Enqueue(ctx, name, envs, time.Now())
	})
	return wrote, err
}

// pendingByID lists the pending records of outbox name by event id.
func pendingByID(t *testing.T, store *bunstore.OutboxStore, name string) map[string]outbox.Record {
	t.Helper()
	recs, err := store.Pending(context.Background(), name, 1000)
	require.NoError(t, err)
	out := map[string]outbox.Record{}
	for _, r := range recs {
		out[r.Event.EventID] = r
	}
	return out
}

// On PostgreSQL an append in a transaction writes the outbox records it is asked to in its own
// statement: the same records Enqueue writes (every column, the global position included), in
// event order, and the outbox's relays are woken after the commit.
func TestAppendWritesOutboxRecords(t *testing.T) {
	for name, db := range map[string]*bun.DB{"pgx": openDB(t, pgtest.Start(t)), "pgdriver": openPgdriver(t)} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			events := newEventStore(t, db)
			store := newOutboxStore(t, db)
			signals := store.CommitNotifications(ctx)

			ridden := testkit.Envelopes(t, "Opened", 1, 3)
			ridden[1].TenantID = "tenant-1"
			ridden[2].Metadata = map[string]any{"correlation_id": "c-1", "n": 2.5}
			wrote, err := appendWithRecords(t, db, events, store, "ride", "acc-1", 0, ridden)
			require.NoError(t, err)
			assert.True(t, wrote, "the append wrote the records")
			select {
			case <-signals:
			case <-time.After(10 * time.Second):
				t.Fatal("no commit signal for the relays")
			}

			// The same events enqueued the usual way, for comparison.
			plain := make([]es.Envelope, len(ridden))
			for i := range ridden {
				plain[i] = ridden[i].Clone()
			}
			require.NoError(t, store.Enqueue(ctx, "plain", plain, time.Now()))

			got, want := pendingByID(t, store, "ride"), pendingByID(t, store, "plain")
			require.Len(t, got, 3)
			stored, err := events.Load(ctx, "acc-1", 0)
			require.NoError(t, err)
			recs, err := store.Pending(ctx, "ride", 10)
			require.NoError(t, err)
			for i, r := range recs {
				assert.Equal(t, stored[i].EventID, r.Event.EventID, "records in event order")
				assert.Equal(t, stored[i].GlobalPosition, r.Event.GlobalPosition, "record %d's position", i)
				assert.Equal(t, stored[i].Sequence, r.Event.Sequence)
				w := want[r.Event.EventID]
				assert.True(t, w.Event.Equal(r.Event), "record %d as Enqueue writes it:\n%+v\n%+v", i, w.Event, r.Event)
				assert.Equal(t, w.Event.GlobalPosition, r.Event.GlobalPosition)
				assert.Zero(t, r.Attempts)
			}
		})
	}
}

// An append writes no records when it writes no events (a conflict, a rolled-back transaction,
// a retry of events stored already), and is not asked to outside a transaction, on SQLite, in
// pyfly's payload format, for a batch it copies in, or with a name Enqueue refuses; the
// repository's path then enqueues them, once.
func TestAppendWritesOutboxRecordsOnlyWithItsEvents(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Start(t)
	db := openDB(t, url)
	events := newEventStore(t, db)
	store := newOutboxStore(t, db)

	first := testkit.Envelopes(t, "Opened", 1, 2)
	wrote, err := appendWithRecords(t, db, events, store, "o", "acc-1", 0, first)
	require.NoError(t, err)
	require.True(t, wrote)

	// A conflict: nothing written, the transaction fails.
	wrote, err = appendWithRecords(t, db, events, store, "o", "acc-1", 0, testkit.Envelopes(t, "Opened", 1, 1))
	require.ErrorIs(t, err, es.ErrConcurrency)
	assert.False(t, wrote)
	// A retry of the stored events: nothing written by the append; Enqueue adds nothing.
	wrote, err = appendWithRecords(t, db, events, store, "o", "acc-1", 0, first)
	require.NoError(t, err)
	assert.False(t, wrote)
	assert.Len(t, pendingByID(t, store, "o"), 2)

	// Rolled back after the append: neither events nor records.
	rolled := testkit.Envelopes(t, "Opened", 1, 1)
	errRollback := assert.AnError
	err = bunstore.InTx(ctx, db, func(ctx context.Context) error {
		actx, written := store.EnqueueWithAppend(ctx, store, "o", rolled, time.Now())
		require.NoError(t, events.Append(actx, "acc-2", "Account", 0, rolled))
		require.True(t, written())
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	assert.Len(t, pendingByID(t, store, "o"), 2)

	// Outside a transaction the append cannot write them.
	outside := testkit.Envelopes(t, "Opened", 1, 1)
	actx, written := store.EnqueueWithAppend(ctx, store, "o", outside, time.Now())
	require.NoError(t, events.Append(actx, "acc-3", "Account", 0, outside))
	assert.False(t, written())

	// An append of other events under the request (a decorator's own, say) leaves it to the
	// append of its events.
	own, audit := testkit.Envelopes(t, "Opened", 1, 1), testkit.Envelopes(t, "Audited", 1, 1)
	require.NoError(t, bunstore.InTx(ctx, db, func(ctx context.Context) error {
		actx, written := store.EnqueueWithAppend(ctx, store, "o", own, time.Now())
		require.NoError(t, events.Append(actx, "audit-1", "Audit", 0, audit))
		require.False(t, written(), "the audit append wrote no records")
		require.NoError(t, events.Append(actx, "acc-9", "Account", 0, own))
		require.True(t, written())
		return nil
	}))
	pending := pendingByID(t, store, "o")
	assert.Contains(t, pending, own[0].EventID)
	assert.NotContains(t, pending, audit[0].EventID)

	// A name Enqueue refuses makes no request; Enqueue reports it.
	wrote, err = appendWithRecords(t, db, events, store, "", "acc-4", 0, testkit.Envelopes(t, "Opened", 1, 1))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.False(t, wrote)
	// Nor do a name past the limit, or an enqueue time out of range.
	for name, at := range map[string]time.Time{strings.Repeat("n", 65): time.Now(), "o\x00": time.Now(), "o": {}, "o ": time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		envs := testkit.Envelopes(t, "Opened", 1, 1)
		actx, written := store.EnqueueWithAppend(ctx, store, name, envs, at)
		assert.False(t, written(), "%q at %v", name, at)
		assert.Equal(t, ctx, actx, "%q at %v: no request", name, at)
	}

	// Pyfly's payload format and batches copied in: the records are enqueued the usual way.
	pyfly := newEventStore(t, db, bunstore.WithPayloadFormat(bunstore.PayloadPyfly))
	wrote, err = appendWithRecords(t, db, pyfly, store, "o", "acc-5", 0, testkit.Envelopes(t, "Opened", 1, 1))
	require.NoError(t, err)
	assert.False(t, wrote)
	copied := bunstore.CopyEveryAppend(t, newEventStore(t, db))
	wrote, err = appendWithRecords(t, db, copied, store, "o", "acc-6", 0, testkit.Envelopes(t, "Opened", 1, 2))
	require.NoError(t, err)
	assert.False(t, wrote)
	assert.Len(t, pendingByID(t, store, "o"), 6)

	// Another database's outbox store: the append leaves its records alone.
	otherStore := newOutboxStore(t, openDB(t, pgtest.Start(t)))
	wrote, err = appendWithRecords(t, db, events, otherStore, "o", "acc-7", 0, testkit.Envelopes(t, "Opened", 1, 1))
	require.NoError(t, err)
	assert.False(t, wrote)
	assert.Len(t, pendingByID(t, otherStore, "o"), 1, "enqueued in its own database")
	assert.Len(t, pendingByID(t, store, "o"), 6)

	// SQLite: no request.
	lite := openDB(t, testkit.SQLiteFileURL(t))
	wrote, err = appendWithRecords(t, lite, newEventStore(t, lite), newOutboxStore(t, lite), "o", "acc-8", 0, testkit.Envelopes(t, "Opened", 1, 1))
	require.NoError(t, err)
	assert.False(t, wrote)
}

// enqueueCounter counts the Enqueue calls that reach a Bun outbox store.
type enqueueCounter struct {
	*bunstore.OutboxStore
	calls atomic.Int64
}

func (c *enqueueCounter) Enqueue(ctx context.Context, name string, events []es.Envelope, at time.Time) error {
	c.calls.Add(1)
	return c.OutboxStore.Enqueue(ctx, name, events, at)
}

// EnqueueWithAppend forwards with the Bun store as via: the counter enqueues as the store does.
func (c *enqueueCounter) EnqueueWithAppend(ctx context.Context, via outbox.Store, name string, events []es.Envelope, at time.Time) (context.Context, func() bool) {
	if via != outbox.Store(c) {
		return ctx, func() bool { return false }
	}
	return c.OutboxStore.EnqueueWithAppend(ctx, c.OutboxStore, name, events, at)
}

// failingEnqueue is a Bun outbox store whose Enqueue fails: a type that embeds the store to
// change Enqueue.
type failingEnqueue struct{ *bunstore.OutboxStore }

var errEnqueue = errors.New("enqueue refused")

func (failingEnqueue) Enqueue(context.Context, string, []es.Envelope, time.Time) error {
	return errEnqueue
}

// A store embedding the Bun store with an Enqueue of its own has that Enqueue called: the
// append writes no records for it, and its failure rolls the save back.
func TestAppendLeavesAnOverriddenEnqueueToItsStore(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.Start(t))
	events := newEventStore(t, db)
	inner := newOutboxStore(t, db)
	ob, err := outbox.New(failingEnqueue{inner}, func(context.Context, es.Envelope) error { return nil })
	require.NoError(t, err)
	repo, err := es.NewRepository(events, newAccount, es.WithOutbox(ob))
	require.NoError(t, err)
	acc := newAccount()
	acc.ID = "acc-1"
	require.NoError(t, acc.Apply(accountOpened{Owner: "ada"}))
	require.ErrorIs(t, repo.Save(ctx, acc), errEnqueue)
	v, err := events.LatestVersion(ctx, "acc-1")
	require.NoError(t, err)
	assert.Zero(t, v, "the events rolled back with the failed enqueue")
	assert.Empty(t, pendingByID(t, inner, outbox.DefaultName))

	// Asked directly through another via, the store makes no request either.
	actx, written := inner.EnqueueWithAppend(ctx, failingEnqueue{inner}, outbox.DefaultName, testkit.Envelopes(t, "Opened", 1, 1), time.Now())
	assert.False(t, written())
	assert.Equal(t, ctx, actx)
}

// A repository with an outbox on PostgreSQL saves events and records in one statement: its saves
// never call Enqueue, and each event has its one record, with its position.
func TestRepositorySavesRecordsWithTheAppend(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.Start(t))
	events := newEventStore(t, db)
	store := &enqueueCounter{OutboxStore: newOutboxStore(t, db)}
	ob, err := outbox.New(store, func(context.Context, es.Envelope) error { return nil })
	require.NoError(t, err)
	repo, err := es.NewRepository(events, newAccount, es.WithOutbox(ob))
	require.NoError(t, err)
	for i := range 5 {
		acc := newAccount()
		acc.ID = "acc-" + string(rune('a'+i))
		require.NoError(t, acc.Apply(accountOpened{Owner: "ada"}))
		require.NoError(t, repo.Save(ctx, acc))
	}
	assert.Zero(t, store.calls.Load(), "no save enqueued on its own")
	all, err := events.ReadAll(ctx, 0, 100)
	require.NoError(t, err)
	recs := pendingByID(t, store.OutboxStore, outbox.DefaultName)
	require.Len(t, recs, len(all))
	for _, e := range all {
		assert.Equal(t, e.GlobalPosition, recs[e.EventID].Event.GlobalPosition)
	}
}
