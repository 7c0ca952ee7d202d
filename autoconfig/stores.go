package autoconfig

import (
	"fmt"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/gofly/eventsourcing/config"
	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/stores/memory"
)

// Upcasters is the ordered list of upcasters the module's event store applies on every read path.
// Supply it to the Fx graph, for example fx.Supply(autoconfig.Upcasters{orderPlacedV2{}}); it is
// optional.
type Upcasters []es.Upcaster

// NewEventStore returns the event store s selects, applying ups in order on every read: a memory
// store, or a Bun store over the event store's database in dbs. It does no I/O; start dbs before
// using a Bun store.
func NewEventStore(s *Settings, dbs *Databases, ups ...es.Upcaster) (es.EventStore, error) {
	if s.EventStore.Provider != config.ProviderBun {
		return memory.NewEventStore(memory.WithUpcasters(ups...)), nil
	}
	st, err := bunstore.NewEventStore(dbs.EventStoreDB(), bunstore.WithLogger(s.logger()), bunstore.WithUpcasters(ups...))
	if err != nil {
		return nil, fmt.Errorf("autoconfig: event store: %w", err)
	}
	return st, nil
}

// NewSnapshotStore returns the snapshot store s selects: a memory store, or a Bun store over the
// snapshot store's database in dbs. It does no I/O; start dbs before using a Bun store.
func NewSnapshotStore(s *Settings, dbs *Databases) (es.SnapshotStore, error) {
	if s.SnapshotStore.Provider != config.ProviderBun {
		return memory.NewSnapshotStore(), nil
	}
	st, err := bunstore.NewSnapshotStore(dbs.SnapshotStoreDB(), bunstore.WithLogger(s.logger()))
	if err != nil {
		return nil, fmt.Errorf("autoconfig: snapshot store: %w", err)
	}
	return st, nil
}

// NewPublisher returns the publisher onto pub with the configured destination, or nil when pub is
// nil (the application has no Watermill publisher).
func NewPublisher(s *Settings, pub message.Publisher) *eda.Publisher {
	return eda.NewPublisher(pub, s.Config.EDA.Destination)
}

func (s *Settings) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}
