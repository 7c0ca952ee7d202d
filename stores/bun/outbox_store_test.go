package bunstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/brokertest"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

type accountOpened struct {
	Owner string `json:"owner"`
}

type account struct {
	es.AggregateRoot
	Owner string
}

func newAccount() *account {
	a := &account{}
	es.When(a, func(e accountOpened) { a.Owner = e.Owner })
	return a
}

// TestOutboxWatermillSQL: events saved on PostgreSQL reach a watermill-sql subscriber through
// the outbox relay and the EDA publisher, each once, with the EDA headers.
func TestOutboxWatermillSQL(t *testing.T) {
	ctx := es.WithCorrelationID(context.Background(), "corr-sql")
	url := pgtest.Start(t)
	db := openDB(t, url)
	events := newEventStore(t, db)
	store := newOutboxStore(t, db)

	sqldb, err := sql.Open("pgx", url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqldb.Close() })
	pub, err := wmsql.NewPublisher(wmsql.BeginnerFromStdSQL(sqldb), wmsql.PublisherConfig{
		SchemaAdapter: wmsql.DefaultPostgreSQLSchema{}, AutoInitializeSchema: true,
	}, watermill.NopLogger{})
	require.NoError(t, err)
	sub, err := wmsql.NewSubscriber(wmsql.BeginnerFromStdSQL(sqldb), wmsql.SubscriberConfig{
		ConsumerGroup: "outbox", PollInterval: 20 * time.Millisecond,
		SchemaAdapter: wmsql.DefaultPostgreSQLSchema{}, OffsetsAdapter: wmsql.DefaultPostgreSQLOffsetsAdapter{},
		InitializeSchema: true,
	}, watermill.NopLogger{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Close() })
	subCtx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	msgs, err := sub.Subscribe(subCtx, eda.DefaultDestination)
	require.NoError(t, err)

	ob, err := outbox.New(store, eda.NewPublisher(pub, "").Publish, outbox.WithPollInterval(20*time.Millisecond))
	require.NoError(t, err)
	require.NoError(t, ob.Start(ctx))
	t.Cleanup(func() { _ = ob.Stop(context.Background()) })
	repo, err := es.NewRepository(events, newAccount, es.WithOutbox(ob))
	require.NoError(t, err)
	var ids []string
	for i := range 5 {
		a := newAccount()
		a.ID = fmt.Sprintf("acc-%d", i)
		require.NoError(t, a.Apply(accountOpened{Owner: a.ID}))
		require.NoError(t, repo.Save(ctx, a))
		ids = append(ids, a.ID)
	}
	brokertest.CheckMessages(t, msgs, events, ids, func(m *message.Message) {
		assert.Equal(t, "corr-sql", m.Metadata.Get("correlation_id"))
	})
}

// TestOutboxWakesOnCommit: with an hour-long poll interval, a relay publishes as soon as the
// transaction that enqueued the records commits: on the store's own pool, and on PostgreSQL also
// from another pool (another process), through LISTEN/NOTIFY.
func TestOutboxWakesOnCommit(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			url := b.url(t)
			db := openDB(t, url)
			events, store := newEventStore(t, db), newOutboxStore(t, db)
			relays := []struct {
				name  string
				store outbox.Store
			}{{"same-pool", store}}
			if b.name == "postgres" {
				relays = append(relays, struct {
					name  string
					store outbox.Store
				}{"another-pool", newOutboxStore(t, openDB(t, url))})
			}
			for _, r := range relays {
				t.Run(r.name, func(t *testing.T) {
					rec := &testkit.PublishRecorder{}
					ob, err := outbox.New(r.store, rec.Publish, outbox.WithName(r.name), outbox.WithPollInterval(time.Hour))
					require.NoError(t, err)
					require.NoError(t, ob.Start(ctx))
					t.Cleanup(func() { _ = ob.Stop(context.Background()) })
					writer, err := outbox.New(store, rec.Publish, outbox.WithName(r.name))
					require.NoError(t, err)
					time.Sleep(50 * time.Millisecond) // the relay has polled and waits
					for i := range 3 {
						envs := testkit.OutboxEnvelopes(t, fmt.Sprintf("%s-%d", r.name, i), 1, 1)
						require.NoError(t, events.InTx(ctx, func(ctx context.Context) error {
							if err := events.Append(ctx, envs[0].AggregateID, "Account", 0, envs); err != nil {
								return err
							}
							return writer.EnqueueEvents(ctx, envs)
						}))
						testkit.WaitFor(t, time.Minute, func() bool { return rec.Distinct() >= i+1 },
							"record %d not published before the poll interval", i)
					}
				})
			}
		})
	}
}
