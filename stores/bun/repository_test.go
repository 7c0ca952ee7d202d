package bunstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

type Deposited struct {
	Amount int `json:"amount"`
}

type Wallet struct {
	es.AggregateRoot
	Balance int
}

func NewWallet() *Wallet {
	w := &Wallet{}
	es.When(w, func(e Deposited) { w.Balance += e.Amount })
	return w
}

// failingSnapshots writes the snapshot, then fails: inside the events' transaction that must roll
// both back. It embeds the Bun store, so it still joins the store's transactions.
type failingSnapshots struct{ *bunstore.SnapshotStore }

var errSnapshot = errors.New("snapshot refused")

func (f failingSnapshots) Save(ctx context.Context, s es.Snapshot) error {
	if err := f.SnapshotStore.Save(ctx, s); err != nil {
		return err
	}
	return errSnapshot
}

func deposit(t *testing.T, w *Wallet, amounts ...int) {
	t.Helper()
	for _, a := range amounts {
		require.NoError(t, w.Apply(Deposited{Amount: a}))
	}
}

// The repository writes events and snapshot in one transaction when both stores share the DB.
func TestRepositoryEventsAndSnapshotCommitTogether(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			events := newEventStore(t, db)
			snaps, err := bunstore.NewSnapshotStore(db)
			require.NoError(t, err)
			require.False(t, snaps.JoinsTx(ctx), "no transaction in the context")
			require.NoError(t, events.InTx(ctx, func(ctx context.Context) error {
				require.True(t, snaps.JoinsTx(ctx), "the event store's transaction is on the snapshot store's DB")
				return nil
			}))

			repo, err := es.NewRepository(events, NewWallet, es.WithSnapshots(snaps, 2))
			require.NoError(t, err)
			w := NewWallet()
			w.ID = "w-1"
			deposit(t, w, 10, 20, 30)
			require.NoError(t, repo.Save(ctx, w))
			s, ok, err := snaps.Load(ctx, "w-1")
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, int64(3), s.Sequence)
			got, err := repo.Load(ctx, "w-1")
			require.NoError(t, err)
			assert.Equal(t, 60, got.Balance)
			assert.Equal(t, int64(3), got.Version)

			// A snapshot failure inside the transaction rolls the events back too.
			failing, err := es.NewRepository(events, NewWallet, es.WithSnapshots(failingSnapshots{snaps}, 2))
			require.NoError(t, err)
			deposit(t, got, 1)
			err = failing.Save(ctx, got)
			require.ErrorIs(t, err, errSnapshot)
			v, err := events.LatestVersion(ctx, "w-1")
			require.NoError(t, err)
			assert.Equal(t, int64(3), v, "the events rolled back with the snapshot")
			s, _, err = snaps.Load(ctx, "w-1")
			require.NoError(t, err)
			assert.Equal(t, int64(3), s.Sequence, "the snapshot rolled back")
			assert.Len(t, got.PendingEvents(), 1, "the event stays pending")

			// The caller's own transaction: rolled back, nothing of the save remains.
			boom := errors.New("boom")
			err = events.InTx(ctx, func(ctx context.Context) error {
				if err := repo.Save(ctx, got); err != nil {
					return err
				}
				return boom
			})
			require.ErrorIs(t, err, boom)
			v, err = events.LatestVersion(ctx, "w-1")
			require.NoError(t, err)
			assert.Equal(t, int64(3), v)
			s, _, err = snaps.Load(ctx, "w-1")
			require.NoError(t, err)
			assert.Equal(t, int64(3), s.Sequence)
		})
	}
}
