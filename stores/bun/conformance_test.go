package bunstore_test

import (
	"testing"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

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
