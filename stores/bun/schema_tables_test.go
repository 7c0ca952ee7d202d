package bunstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// Without migrating, an application checks only the tables of the stores it uses: a schema
// managed elsewhere with the event and snapshot tables alone serves an application without an
// outbox or projections. Before, every table was required.
func TestCheckSchemaOfTheStoresInUse(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			for _, table := range []string{bunstore.TableOutbox, bunstore.TableCheckpoints, bunstore.TableLeases, bunstore.TableDeadLetters} {
				_, err := db.DB.ExecContext(ctx, "DROP TABLE "+table)
				require.NoError(t, err)
			}

			err := bunstore.CheckSchema(ctx, db)
			require.ErrorIs(t, err, bunstore.ErrSchema, "every table by default")
			assert.Contains(t, err.Error(), bunstore.TableOutbox)
			require.ErrorIs(t, bunstore.Prepare(ctx, db, false), bunstore.ErrSchema)

			require.NoError(t, bunstore.CheckSchema(ctx, db, bunstore.TableEvents, bunstore.TableSnapshots))
			require.NoError(t, bunstore.Prepare(ctx, db, false, bunstore.WithTables(bunstore.TableEvents, bunstore.TableSnapshots)))

			err = bunstore.CheckSchema(ctx, db, bunstore.TableEvents, bunstore.TableLeases)
			require.ErrorIs(t, err, bunstore.ErrSchema)
			assert.Contains(t, err.Error(), "table pyfly_locks does not exist")

			huge := strings.Repeat("t", 1<<20)
			for _, bad := range []string{"users", "", "PYFLY_EVENT_STORE", "pyfly_event_store; DROP TABLE pyfly_snapshots",
				"pyfly_outbox\x00", "pyfly_\xff", huge} {
				err = bunstore.CheckSchema(ctx, db, bad)
				require.ErrorIs(t, err, es.ErrInvalidArgument, "%q", bad)
				assert.Contains(t, err.Error(), "pyfly_event_store, pyfly_snapshots")
				assert.Less(t, len(err.Error()), 1000, "the name is clipped in the message")
				require.ErrorIs(t, bunstore.Prepare(ctx, db, false, bunstore.WithTables(bad)), es.ErrInvalidArgument)
			}
			require.NoError(t, bunstore.CheckSchema(ctx, db, bunstore.TableSnapshots), "the snapshot table is still there")
		})
	}
}

// A database that holds only checkpoints (projection.checkpoint.url apart from the events) is
// prepared without the event table: the check of stored global positions needs that table and is
// skipped.
func TestPrepareACheckpointOnlyDatabase(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			_, err := db.DB.ExecContext(ctx, "DROP TABLE "+bunstore.TableEvents)
			require.NoError(t, err)
			require.NoError(t, bunstore.Prepare(ctx, db, false,
				bunstore.WithTables(bunstore.TableCheckpoints, bunstore.TableLeases, bunstore.TableDeadLetters)))
			err = bunstore.Prepare(ctx, db, false)
			require.ErrorIs(t, err, bunstore.ErrSchema)
			assert.Contains(t, err.Error(), "pyfly_event_store")
		})
	}
}
