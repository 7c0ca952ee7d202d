package main_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

// app is the application esctl inspects: an event store, a projection runner with a lease and
// dead letters, and an outbox relay, on one database. Its projection fails on the events in
// poisonProjection and its relay on those in poisonOutbox, until told otherwise.
type app struct {
	db     *bun.DB
	events *bunstore.EventStore
	ob     *outbox.Outbox
	runner *projection.Runner

	poisonProjection, poisonOutbox sync.Map // event id -> true while it fails
	mu                             sync.Mutex
	published                      []string
}

// openApp opens the application on url (migrated by esctl beforehand).
func openApp(t *testing.T, url string) *app {
	t.Helper()
	ctx := context.Background()
	db, err := bunstore.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, bunstore.Prepare(ctx, db, false))
	events, err := bunstore.NewEventStore(db)
	require.NoError(t, err)
	readModel := "CREATE TABLE IF NOT EXISTS read_model (n INTEGER PRIMARY KEY, event_id TEXT NOT NULL)"
	if events.Dialect() == bunstore.DialectPostgres {
		readModel = "CREATE TABLE IF NOT EXISTS read_model (n BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL)"
	}
	_, err = db.DB.ExecContext(ctx, readModel)
	require.NoError(t, err)
	a := &app{db: db, events: events}
	store, err := bunstore.NewOutboxStore(db)
	require.NoError(t, err)
	a.ob, err = outbox.New(store, a.publish, outbox.WithConfig(outbox.Config{Name: "orders", MaxAttempts: 1,
		PollInterval: 50 * time.Millisecond, BackoffInitial: 10 * time.Millisecond, BackoffMax: 10 * time.Millisecond}))
	require.NoError(t, err)
	return a
}

func (a *app) publish(_ context.Context, e es.Envelope) error {
	if _, bad := a.poisonOutbox.Load(e.EventID); bad {
		return errors.New("the broker refused it")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.published = append(a.published, e.EventID)
	return nil
}

// handle writes the event's id into the read model, in the checkpoint's transaction.
func (a *app) handle(ctx context.Context, e es.Envelope) error {
	if _, bad := a.poisonProjection.Load(e.EventID); bad {
		return errors.New("the read model refused it")
	}
	tx, ok := bunstore.TxFrom(ctx)
	if !ok {
		return errors.New("no transaction in the context")
	}
	_, err := tx.NewInsert().Model(&map[string]any{"event_id": e.EventID}).TableExpr("read_model").Exec(ctx)
	return err
}

// startRunner starts the projection orders_view with a lease owned by app-1.
func (a *app) startRunner(t *testing.T) {
	t.Helper()
	cps, err := bunstore.NewCheckpointStore(a.db)
	require.NoError(t, err)
	lease, err := bunstore.NewLease(a.db)
	require.NoError(t, err)
	letters, err := bunstore.NewDeadLetterStore(a.db)
	require.NoError(t, err)
	a.runner, err = projection.NewRunner(projection.FunctionProjection("orders_view", a.handle), a.events,
		projection.WithCheckpoints(cps), projection.WithLease(lease), projection.WithOwner("app-1"),
		projection.WithDeadLetters(letters, 2), projection.WithRetry(5*time.Millisecond, 10*time.Millisecond),
		projection.WithPollInterval(50*time.Millisecond), projection.WithLogger(testkit.NewLogRecorder().Logger()))
	require.NoError(t, err)
	require.NoError(t, a.runner.Start(context.Background()))
	t.Cleanup(func() { _ = a.runner.Stop(context.Background()) })
}

// startRelay starts the outbox's relay.
func (a *app) startRelay(t *testing.T) {
	t.Helper()
	require.NoError(t, a.ob.Start(context.Background()))
	t.Cleanup(func() { _ = a.ob.Stop(context.Background()) })
}

// save appends n events to the aggregate after version and enqueues them, in one transaction.
func (a *app) save(t *testing.T, id, typ string, version int64, n int) []es.Envelope {
	t.Helper()
	return a.saveEnvs(t, id, typ, version, testkit.Envelopes(t, typ+"Changed", int(version)+1, n))
}

// saveEnvs appends evs to the aggregate after version and enqueues them, in one transaction.
func (a *app) saveEnvs(t *testing.T, id, typ string, version int64, evs []es.Envelope) []es.Envelope {
	t.Helper()
	require.NoError(t, a.events.InTx(context.Background(), func(ctx context.Context) error {
		if err := a.events.Append(ctx, id, typ, version, evs); err != nil {
			return err
		}
		return a.ob.EnqueueEvents(ctx, evs)
	}))
	return evs
}

// stream reads the whole global stream.
func (a *app) stream(t *testing.T) []es.Envelope {
	t.Helper()
	all, err := a.events.ReadAll(context.Background(), 0, 10_000)
	require.NoError(t, err)
	return all
}

// appliedIDs reads the read model: the event ids the projection applied, in order.
func (a *app) appliedIDs(t *testing.T) []string {
	t.Helper()
	rows, err := a.db.DB.QueryContext(context.Background(), "SELECT event_id FROM read_model ORDER BY n")
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		out = append(out, id)
	}
	require.NoError(t, rows.Err())
	return out
}

func (a *app) publishedIDs() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.published...)
}
