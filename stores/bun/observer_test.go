package bunstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

// TestObserver: the event store reports its calls to its observer, as postgresql or sqlite,
// without losing the transaction the context carries.
func TestObserver(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			url := b.url(t)
			system := es.SystemSQLite
			if b.name == "postgres" {
				system = es.SystemPostgreSQL
			}
			testkit.RunStoreObserverSuite(t, func(t *testing.T, obs es.StoreObserver) es.EventStore {
				db := openDB(t, url)
				_, err := db.ExecContext(t.Context(), "DELETE FROM pyfly_event_store")
				require.NoError(t, err)
				return newEventStore(t, db, bunstore.WithObserver(obs))
			}, system)
		})
	}
	_, err := bunstore.NewEventStore(openDB(t, "sqlite::memory:"), bunstore.WithObserver(nil))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
}
