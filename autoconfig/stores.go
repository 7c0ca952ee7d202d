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

// NewEventStore returns the event store s selects: a memory store, or a Bun store over the event
// store's database in dbs. It does no I/O; start dbs before using a Bun store.
func NewEventStore(s *Settings, dbs *Databases) (es.EventStore, error) {
	if s.EventStore.Provider != config.ProviderBun {
		return memory.NewEventStore(), nil
	}
	st, err := bunstore.NewEventStore(dbs.EventStoreDB(), bunstore.WithLogger(s.logger()))
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
