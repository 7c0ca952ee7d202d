package autoconfig

import (
	"errors"

	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
)

// RepositoryOptions are the options the module's configuration gives repositories:
//   - es.WithSnapshots with the module's snapshot store every pyfly.eventsourcing.snapshot.interval
//     events (default 100) when pyfly.eventsourcing.snapshot.provider is bun; in memory (the
//     default provider) none, as a snapshot in memory saves nothing a restart keeps;
//   - es.WithOutbox with the module's outbox when pyfly.eventsourcing.outbox.enabled is true.
//
// Pass them on: es.NewRepository(store, NewOrder, opts...). An option given after them wins, so
// es.WithSnapshots in code overrides the configured one.
type RepositoryOptions []es.RepositoryOption

// NewRepositoryOptions returns the repository options s configures, with snapshots, the
// module's snapshot store, and ob, the module's outbox (nil when the outbox is disabled).
func NewRepositoryOptions(s *Settings, snapshots es.SnapshotStore, ob *outbox.Outbox) (RepositoryOptions, error) {
	if s == nil {
		return nil, errors.New("eventsourcing: NewRepositoryOptions: settings are nil; build them with NewSettings")
	}
	opts := RepositoryOptions{}
	if s.SnapshotStore.Provider == config.ProviderBun {
		if snapshots == nil {
			return nil, errors.New("eventsourcing: NewRepositoryOptions: " + config.Root + ".snapshot.provider is bun but the snapshot store is nil; pass the one NewSnapshotStore returned")
		}
		opts = append(opts, es.WithSnapshots(snapshots, s.Config.Snapshot.Interval))
	}
	if ob != nil {
		opts = append(opts, es.WithOutbox(ob))
	}
	if s.Observer != nil {
		opts = append(opts, es.WithObserver(s.Observer))
	}
	return opts, nil
}
