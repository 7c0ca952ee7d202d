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
	url := testkit.StartPostgres(t)
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
	testkit.CheckMessages(t, msgs, events, ids, func(m *message.Message) {
		assert.Equal(t, "corr-sql", m.Metadata.Get("correlation_id"))
	})
}
