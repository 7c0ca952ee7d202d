package bunstore_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

// TestConformancePgdriver runs the suites on a *bun.DB built on Bun's own PostgreSQL driver, which
// takes the database/sql path instead of the native pgx one.
func TestConformancePgdriver(t *testing.T) {
	open := func(t *testing.T) *bun.DB {
		url := testkit.StartPostgres(t)
		db := bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(url))), pgdialect.New())
		t.Cleanup(func() { _ = db.Close() })
		if err := bunstore.Prepare(context.Background(), db, true); err != nil {
			t.Fatal(err)
		}
		return db
	}
	t.Run("EventStore", func(t *testing.T) {
		testkit.RunEventStoreSuite(t, func(t *testing.T, ups ...es.Upcaster) es.EventStore {
			return newEventStore(t, open(t), bunstore.WithUpcasters(ups...))
		}, testkit.Features{})
	})
	t.Run("SnapshotStore", func(t *testing.T) {
		testkit.RunSnapshotStoreSuite(t, func(t *testing.T) es.SnapshotStore {
			s, err := bunstore.NewSnapshotStore(open(t))
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
	t.Run("SequenceOrderAndNoSkip", func(t *testing.T) {
		soak(t, newEventStore(t, open(t)), time.Second)
	})
}

func TestConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Run("EventStore", func(t *testing.T) {
				testkit.RunEventStoreSuite(t, func(t *testing.T, ups ...es.Upcaster) es.EventStore {
					return newEventStore(t, openDB(t, b.url(t)), bunstore.WithUpcasters(ups...))
				}, testkit.Features{DensePositions: b.name != "postgres"})
			})
			t.Run("SnapshotStore", func(t *testing.T) {
				testkit.RunSnapshotStoreSuite(t, func(t *testing.T) es.SnapshotStore {
					s, err := bunstore.NewSnapshotStore(openDB(t, b.url(t)))
					if err != nil {
						t.Fatal(err)
					}
					return s
				})
			})
		})
	}
}
