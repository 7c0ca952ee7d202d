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
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/brokertest"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// TestConformancePgdriver runs the suites on a *bun.DB built on Bun's own PostgreSQL driver, which
// takes the database/sql path instead of the native pgx one.
func TestConformancePgdriver(t *testing.T) {
	open := func(t *testing.T) *bun.DB {
		url := pgtest.Start(t)
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
		}, testkit.Features{Corrupt: corruptEvent})
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
	t.Run("OutboxStore", func(t *testing.T) {
		testkit.RunOutboxStoreSuite(t, func(t *testing.T) testkit.OutboxTarget {
			url := pgtest.Start(t)
			pool := func(t *testing.T) *bun.DB {
				db := bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(url))), pgdialect.New())
				t.Cleanup(func() { _ = db.Close() })
				return db
			}
			db := pool(t)
			if err := bunstore.Prepare(context.Background(), db, true); err != nil {
				t.Fatal(err)
			}
			s := newOutboxStore(t, db)
			return testkit.OutboxTarget{
				Store: s, Tx: s, Events: newEventStore(t, db),
				Open: func(t *testing.T) (outbox.Store, func()) {
					other := pool(t)
					return newOutboxStore(t, other), func() { _ = other.Close() }
				},
				WriteRecord: outboxWriter(db),
				Checkpoints: func(t *testing.T) projection.CheckpointStore { return newCheckpointStore(t, pool(t)) },
				Lease:       func(t *testing.T) projection.Lease { return newLease(t, pool(t)) },
			}
		}, brokertest.All()...)
	})
	t.Run("CheckpointStore", func(t *testing.T) {
		testkit.RunCheckpointStoreSuite(t, func(t *testing.T) projection.CheckpointStore {
			s, err := bunstore.NewCheckpointStore(open(t))
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
	t.Run("Lease", func(t *testing.T) {
		testkit.RunLeaseSuite(t, func(t *testing.T) projection.Lease {
			l, err := bunstore.NewLease(open(t))
			if err != nil {
				t.Fatal(err)
			}
			return l
		})
	})
	t.Run("DeadLetterStore", func(t *testing.T) {
		testkit.RunDeadLetterStoreSuite(t, func(t *testing.T) projection.DeadLetterStore {
			s, err := bunstore.NewDeadLetterStore(open(t))
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
				}, testkit.Features{DensePositions: b.name != "postgres", Corrupt: corruptEvent})
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

// TestOutboxConformance runs the outbox store suite on every backend several pools can share:
// each Open is a pool of its own, as another process would have, and kill closes it; so is each
// checkpoint store and lease of the Stream cases.
func TestOutboxConformance(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			testkit.RunOutboxStoreSuite(t, func(t *testing.T) testkit.OutboxTarget {
				url := b.url(t)
				db := openDB(t, url)
				s := newOutboxStore(t, db)
				return testkit.OutboxTarget{
					Store:  s,
					Tx:     s,
					Events: newEventStore(t, db),
					Open: func(t *testing.T) (outbox.Store, func()) {
						other := openDB(t, url)
						return newOutboxStore(t, other), func() { _ = other.Close() }
					},
					WriteRecord: outboxWriter(db),
					Checkpoints: func(t *testing.T) projection.CheckpointStore { return newCheckpointStore(t, openDB(t, url)) },
					Lease:       func(t *testing.T) projection.Lease { return newLease(t, openDB(t, url)) },
				}
			}, brokertest.All()...)
		})
	}
}
