package bunstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// TestAppendAfterTxEnded: an append in a transaction the caller rolled back through TxFrom is
// refused with sql.ErrTxDone and stores nothing. Before, the pgx paths ran it on the
// transaction's connection outside any transaction, where it committed on its own.
func TestAppendAfterTxEnded(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := openDB(t, b.url(t))
			stores := map[string]*bunstore.EventStore{"insert": newEventStore(t, db)}
			if b.name == "postgres" {
				stores["copy"] = bunstore.CopyEveryAppend(t, newEventStore(t, db))
			}
			for path, s := range stores {
				ctx := context.Background()
				id := "ended-" + path
				var appendErr, loadErr error
				err := bunstore.InTx(ctx, db, func(ctx context.Context) error {
					tx, ok := bunstore.TxFrom(ctx)
					require.True(t, ok)
					require.NoError(t, tx.Rollback())
					appendErr = s.Append(ctx, id, "A", 0, envs(t, 3))
					_, loadErr = s.Load(ctx, id, 0)
					return nil
				})
				require.ErrorIs(t, appendErr, sql.ErrTxDone, path)
				require.ErrorIs(t, loadErr, sql.ErrTxDone, path)
				require.ErrorIs(t, err, sql.ErrTxDone, "%s: the commit of the ended transaction", path)
				got, err := s.Load(ctx, id, 0)
				require.NoError(t, err)
				assert.Empty(t, got, "%s: nothing stored", path)
			}
		})
	}
}
