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

// pyflyOrder is the order in which adoption numbers each fixture's events: the numbered ones
// keep their positions; the others follow, oldest occurred_at first (recorded_at first where
// pyfly recorded one), then aggregate id, then sequence.
var pyflyOrder = map[string][]string{
	"a": {
		"a1000000-0000-4000-8000-000000000005", // o-3 #1, 08:00:00.000001
		"a1000000-0000-4000-8000-000000000001", // o-1 #1, 09:15:00
		"a1000000-0000-4000-8000-000000000002", // o-2 #1, 09:15:00: same instant, later aggregate id
		"a1000000-0000-4000-8000-000000000003", // o-1 #2, 09:20:00.25
		"a1000000-0000-4000-8000-000000000004", // o-2 #2, 09:30:00.5
	},
	"b": {
		"b2000000-0000-4000-8000-000000000005", // position 1
		"b2000000-0000-4000-8000-000000000001", // position 2
		"b2000000-0000-4000-8000-000000000002", // position 3
		"b2000000-0000-4000-8000-000000000006", // o-4 #1: no recorded_at, occurred 2026-02-28
		"b2000000-0000-4000-8000-000000000003", // o-1 #2, recorded 09:20:00.3
		"b2000000-0000-4000-8000-000000000004", // o-2 #2, recorded 09:30:00.6
	},
}

// A database pyfly made, with either generation's DDL and its rows: migrating adopts it in place.
// The events come back as pyfly wrote them (payload, metadata, time, version, tenant), numbered in
// pyfly's documented order below any later position; the repository loads the aggregates (from
// pyfly's snapshot too); appends continue the stream with no gap or duplicate position, and
// migrating again changes nothing.
func TestAdoptPyflyTables(t *testing.T) {
	for _, gen := range []string{"a", "b"} {
		for _, b := range fileBackends() {
			t.Run(gen+"/"+b.name, func(t *testing.T) {
				ctx := context.Background()
				db := openUnmigrated(t, b.url(t))
				pyflyFixture(t, db, gen)
				pg := b.name == "postgres"

				// Before: what to run, naming the table and the column.
				err := bunstore.CheckSchema(ctx, db, bunstore.TableEvents)
				var se *bunstore.SchemaError
				require.ErrorAs(t, err, &se)
				assert.Equal(t, bunstore.TableEvents, se.Table)
				assert.Equal(t, bunstore.FixMigrate, se.Fix)
				assert.Contains(t, err.Error(), "table pyfly_event_store is in pyfly's layout")
				assert.Contains(t, err.Error(), "run bunstore.Migrate or enable the auto-migrate option")
				if gen == "a" {
					assert.Equal(t, "global_position", se.Column)
				}

				require.NoError(t, bunstore.Prepare(ctx, db, true))
				require.NoError(t, bunstore.Prepare(ctx, db, true), "migrating again is a no-op")
				require.NoError(t, bunstore.CheckSchema(ctx, db))

				store := newEventStore(t, db)
				all := readAll(t, store)
				require.Equal(t, pyflyOrder[gen], ids(all))
				for i := 1; i < len(all); i++ {
					require.Less(t, all[i-1].GlobalPosition, all[i].GlobalPosition)
				}
				if !pg {
					for i, e := range all {
						require.Equal(t, int64(i+1), e.GlobalPosition, "SQLite positions stay dense")
					}
				}
				if gen == "b" {
					for i := range 3 {
						require.Equal(t, int64(i+1), all[i].GlobalPosition, "positions pyfly gave are kept")
					}
				}

				// The envelopes are the ones pyfly stored.
				byID := map[string]es.Envelope{}
				for _, e := range all {
					byID[e.EventID[len(e.EventID)-1:]] = e
				}
				placed, shipped, tenant := byID["1"], byID["3"], byID["4"]
				assert.Equal(t, "o-1", placed.AggregateID)
				assert.Equal(t, "Order", placed.AggregateType)
				assert.Equal(t, int64(1), placed.Sequence)
				assert.Equal(t, "OrderPlaced", placed.EventType)
				assert.JSONEq(t, `{"order_id":"o-1","amount":99,"note":"Café ☃"}`, string(placed.Payload))
				assert.Equal(t, map[string]any{"correlation_id": "c-1"}, placed.Metadata)
				assert.Equal(t, at("2026-03-01 09:15:00"), placed.OccurredAt)
				assert.Equal(t, 1, placed.Version)
				assert.Empty(t, placed.TenantID)
				assert.JSONEq(t, `{"carrier":"🚚 DHL"}`, string(shipped.Payload))
				assert.Equal(t, at("2026-03-01 09:20:00.25"), shipped.OccurredAt)
				assert.Equal(t, map[string]any{}, shipped.Metadata)
				assert.Equal(t, "t-1", tenant.TenantID)
				assert.Equal(t, map[string]any{"causation_id": "cmd-9", "attempt": float64(2)}, tenant.Metadata)
				assert.Equal(t, at("2026-03-01 09:30:00.5"), tenant.OccurredAt)
				loaded, err := store.Load(ctx, "o-1", 0)
				require.NoError(t, err)
				require.Equal(t, []es.Envelope{placed, shipped}, loaded, "Load and ReadAll agree")

				// The repository, through pyfly's snapshot of o-1 at sequence 1.
				snaps, err := bunstore.NewSnapshotStore(db)
				require.NoError(t, err)
				snap, ok, err := snaps.Load(ctx, "o-1")
				require.NoError(t, err)
				require.True(t, ok)
				assert.Equal(t, int64(1), snap.Sequence)
				assert.Equal(t, at("2026-03-01 09:15:01.5"), snap.CreatedAt)
				repo, err := es.NewRepository(store, newPyOrder, es.WithAggregateType("Order"), es.WithSnapshots(snaps, 100))
				require.NoError(t, err)
				o1, err := repo.Load(ctx, "o-1")
				require.NoError(t, err)
				assert.Equal(t, int64(2), o1.Version)
				assert.Equal(t, "o-1", o1.OrderID)
				assert.Equal(t, 99, o1.Amount)
				assert.Equal(t, "Café ☃", o1.Note)
				assert.True(t, o1.Shipped)
				assert.Equal(t, "🚚 DHL", o1.Carrier)
				o2, err := repo.Load(ctx, "o-2")
				require.NoError(t, err)
				assert.Equal(t, `tenant's "quoted" order`, o2.Note)
				assert.Equal(t, "UPS", o2.Carrier)

				// Appends continue the stream.
				o3, err := repo.Load(ctx, "o-3")
				require.NoError(t, err)
				require.NoError(t, o3.Apply(OrderShipped{Carrier: "Post"}))
				require.NoError(t, repo.Save(ctx, o3))
				o9 := newPyOrder()
				o9.ID = "o-9"
				require.NoError(t, o9.Apply(OrderPlaced{OrderID: "o-9", Amount: 1}))
				require.NoError(t, repo.Save(ctx, o9))
				more, err := store.ReadAll(ctx, all[len(all)-1].GlobalPosition, 10)
				require.NoError(t, err)
				require.Len(t, more, 2)
				assert.Equal(t, []string{"o-3", "o-9"}, []string{more[0].AggregateID, more[1].AggregateID})
				assert.Equal(t, int64(2), more[0].Sequence)
				assert.Less(t, all[len(all)-1].GlobalPosition, more[0].GlobalPosition)
				assert.Less(t, more[0].GlobalPosition, more[1].GlobalPosition)
				if !pg {
					assert.Equal(t, int64(len(all)+1), more[0].GlobalPosition, "no gap")
					assert.Equal(t, int64(len(all)+2), more[1].GlobalPosition)
				}
				require.Len(t, readAll(t, store), len(all)+2, "every event once")

				if gen == "b" {
					// pyfly's checkpoint table serves the checkpoint store.
					cps, err := bunstore.NewCheckpointStore(db)
					require.NoError(t, err)
					pos, ok, err := cps.Position(ctx, "orders_view")
					require.NoError(t, err)
					require.True(t, ok)
					assert.Equal(t, int64(3), pos)
					pos, err = cps.Load(ctx, "orders_view", 0, 0)
					require.NoError(t, err)
					assert.Equal(t, int64(3), pos)
					if pg {
						// pyfly services that follow the recorded strategy read below the horizon.
						var strategy string
						require.NoError(t, db.DB.QueryRow(`SELECT strategy FROM pyfly_event_store_head`).Scan(&strategy))
						assert.Equal(t, "xid8", strategy)
					}
				}
			})
		}
	}
}

// An adoption step that fails leaves the table as it was, and migrating again adopts it.
func TestAdoptionFailsWhole(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openUnmigrated(t, b.url(t))
			pyflyFixture(t, db, "a")
			before := columns(t, db, bunstore.TableEvents)
			// A trigger refuses the numbering of one event.
			if b.name == "postgres" {
				_, err := db.DB.Exec(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'refused by a trigger'; END $$`)
				require.NoError(t, err)
				_, err = db.DB.Exec(`CREATE TRIGGER refuse BEFORE UPDATE ON pyfly_event_store FOR EACH ROW
	WHEN (NEW.event_id = 'a1000000-0000-4000-8000-000000000004') EXECUTE FUNCTION refuse()`)
				require.NoError(t, err)
			} else {
				_, err := db.DB.Exec(`CREATE TRIGGER refuse BEFORE UPDATE ON pyfly_event_store
	WHEN NEW.event_id = 'a1000000-0000-4000-8000-000000000004' BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END`)
				require.NoError(t, err)
			}
			err := bunstore.Migrate(ctx, db)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "refused by a trigger")
			assert.Contains(t, err.Error(), "pyfly_event_store")
			assert.Contains(t, err.Error(), "rolled back")
			assert.Equal(t, before, columns(t, db, bunstore.TableEvents), "nothing of the step was kept")

			drop := `DROP TRIGGER refuse`
			if b.name == "postgres" {
				drop += ` ON pyfly_event_store`
			}
			_, err = db.DB.Exec(drop)
			require.NoError(t, err)
			require.NoError(t, bunstore.Migrate(ctx, db))
			require.Equal(t, pyflyOrder["a"], ids(readAll(t, newEventStore(t, db))))
		})
	}
}

// A table in a layout neither this module nor pyfly writes: migrating refuses it, naming the table
// and the column, and says to rename it, not to migrate (which would fail the same way).
func TestForeignTablesAreNamed(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openUnmigrated(t, b.url(t))
			_, err := db.DB.Exec(`CREATE TABLE pyfly_event_store (event_id VARCHAR(64) PRIMARY KEY, aggregate_id VARCHAR(64) NOT NULL, body TEXT)`)
			require.NoError(t, err)
			for _, err := range []error{bunstore.Migrate(ctx, db), bunstore.CheckSchema(ctx, db)} {
				var se *bunstore.SchemaError
				require.ErrorAs(t, err, &se)
				assert.True(t, errors.Is(err, bunstore.ErrSchema))
				assert.Equal(t, bunstore.FixByHand, se.Fix)
				assert.Equal(t, "pyfly_event_store", se.Table)
				assert.Equal(t, "aggregate_type", se.Column)
				assert.Contains(t, err.Error(), "table pyfly_event_store has no column aggregate_type")
				assert.Contains(t, err.Error(), "rename the table")
				assert.NotContains(t, err.Error(), "run bunstore.Migrate")
			}

			// A migration that fails on a table it cannot upgrade names the migration and the table.
			db = openUnmigrated(t, b.url(t))
			_, err = db.DB.Exec(`CREATE TABLE pyfly_outbox (seq BIGINT PRIMARY KEY)`)
			require.NoError(t, err)
			err = bunstore.Migrate(ctx, db)
			var se *bunstore.SchemaError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, "pyfly_outbox", se.Table)
			assert.Equal(t, bunstore.FixByHand, se.Fix)
			assert.Contains(t, err.Error(), "migration 0004_outbox cannot upgrade it")
			assert.NotContains(t, err.Error(), "pyfly_es_migrations")
			assert.NotContains(t, err.Error(), "run bunstore.Migrate")
		})
	}
}
