package autoconfig

import (
	"errors"

	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
)

// RepositoryOptions are the options the module's configuration gives repositories:
//   - es.WithLogger with the module's logger (see [Settings.Logger]);
//   - the module's snapshot store every pyfly.eventsourcing.snapshot.interval events (default
//     100): es.WithSnapshots when pyfly.eventsourcing.snapshot.provider is bun (an aggregate
//     whose state a JSON snapshot would lose is refused by es.NewRepository); with the event
//     store and the snapshot store both in memory (the default providers),
//     es.WithSnapshotsWhenLossless, so that such an aggregate, which nobody configured snapshots
//     for, gets a repository without them and a warning. With events in a database and
//     snapshots in memory, none: a snapshot per long aggregate kept for the process's life would
//     grow without bound, and a restart loses it; set snapshot.provider: bun;
//   - es.WithOutbox with the module's outbox when pyfly.eventsourcing.outbox.enabled is true.
//
// Pass them on: es.NewRepository(store, NewOrder, opts...). An option given after them wins, so
// es.WithSnapshots in code overrides the configured one.
type RepositoryOptions []es.RepositoryOption

// NewRepositoryOptions returns the repository options s configures, with snapshots, the
// module's snapshot store (nil: no snapshots, unless the provider is bun), and ob, the module's
// outbox (nil when the outbox is disabled).
func NewRepositoryOptions(s *Settings, snapshots es.SnapshotStore, ob *outbox.Outbox) (RepositoryOptions, error) {
	if s == nil {
		return nil, errors.New("eventsourcing: NewRepositoryOptions: settings are nil; build them with NewSettings")
	}
	opts := RepositoryOptions{es.WithLogger(s.logger())}
	switch {
	case s.SnapshotStore.Provider == config.ProviderBun:
		if snapshots == nil {
			return nil, errors.New("eventsourcing: NewRepositoryOptions: " + config.Root + ".snapshot.provider is bun but the snapshot store is nil; pass the one NewSnapshotStore returned")
		}
		opts = append(opts, es.WithSnapshots(snapshots, s.Config.Snapshot.Interval))
	case s.EventStore.Provider == config.ProviderMemory && snapshots != nil:
		opts = append(opts, es.WithSnapshotsWhenLossless(snapshots, s.Config.Snapshot.Interval))
	}
	if ob != nil {
		opts = append(opts, es.WithOutbox(ob))
	}
	if s.Observer != nil {
		opts = append(opts, es.WithObserver(s.Observer))
	}
	return opts, nil
}
