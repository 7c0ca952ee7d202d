package bunstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

func TestProjectionRunnerAcceptance(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			testkit.RunProjectionRunnerSuite(t, bunProjectionBackend(b))
		})
	}
}

// rmRow is a row of the read model the acceptance suite's handlers write, through the
// checkpoint's transaction.
type rmRow struct {
	bun.BaseModel `bun:"table:rm_rows"`
	ID            int64  `bun:"id,pk,autoincrement"`
	Position      int64  `bun:"position,notnull"`
	EventID       string `bun:"event_id,notnull"`
	AggregateID   string `bun:"aggregate_id,notnull"`
	Sequence      int64  `bun:"sequence,notnull"`
	Writer        string `bun:"writer,notnull"`
}

var pools atomic.Int64

// bunProjectionBackend gives each process of a test its own pool on one database; on PostgreSQL
// the pool's connections carry an application_name, so Kill can end them as a crash would.
func bunProjectionBackend(b backend) testkit.ProjectionBackend {
	return func(t *testing.T) func(t *testing.T) testkit.ProjectionStores {
		url := b.url(t)
		admin := openDB(t, url)
		_, err := admin.NewCreateTable().Model((*rmRow)(nil)).IfNotExists().Exec(context.Background())
		require.NoError(t, err)
		return func(t *testing.T) testkit.ProjectionStores {
			app := fmt.Sprintf("projection-test-%d", pools.Add(1))
			u := url
			if b.name == "postgres" {
				u = withParam(t, u, "application_name", app)
			}
			db, err := bunstore.Open(context.Background(), u)
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			events := newEventStore(t, db)
			checkpoints, err := bunstore.NewCheckpointStore(db)
			require.NoError(t, err)
			lease, err := bunstore.NewLease(db)
			require.NoError(t, err)
			letters, err := bunstore.NewDeadLetterStore(db)
			require.NoError(t, err)
			return testkit.ProjectionStores{
				Events: events, Checkpoints: checkpoints, Lease: lease, DeadLetters: letters,
				ReadModel: &bunReadModel{db: db},
				Corrupt: func(t *testing.T, eventID, column, value string) {
					corruptEvent(t, events, eventID, column, value)
				},
				Kill: func() {
					_ = db.Close()
					if b.name == "postgres" {
						_, err := admin.DB.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", app)
						require.NoError(t, err)
					}
				},
			}
		}
	}
}

// bunReadModel writes through the transaction in the context, as a projection over the Bun
// checkpoint store does.
type bunReadModel struct{ db *bun.DB }

var errNoTx = errors.New("the read model is written outside the checkpoint's transaction")

func (m *bunReadModel) Record(ctx context.Context, e es.Envelope, writer string) error {
	tx, ok := bunstore.TxFrom(ctx)
	if !ok {
		return errNoTx
	}
	row := &rmRow{Position: e.GlobalPosition, EventID: e.EventID, AggregateID: e.AggregateID, Sequence: e.Sequence, Writer: writer}
	_, err := tx.NewInsert().Model(row).Exec(ctx)
	return err
}

func (m *bunReadModel) Rows(ctx context.Context) ([]testkit.ReadModelRow, error) {
	var rows []rmRow
	if err := m.db.NewSelect().Model(&rows).Order("id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]testkit.ReadModelRow, len(rows))
	for i, r := range rows {
		out[i] = testkit.ReadModelRow{Position: r.Position, EventID: r.EventID, AggregateID: r.AggregateID, Sequence: r.Sequence, Writer: r.Writer}
	}
	return out, nil
}

func (m *bunReadModel) Clear(ctx context.Context) error {
	tx, ok := bunstore.TxFrom(ctx)
	if !ok {
		return errNoTx
	}
	_, err := tx.NewDelete().Model((*rmRow)(nil)).Where("1 = 1").Exec(ctx)
	return err
}
