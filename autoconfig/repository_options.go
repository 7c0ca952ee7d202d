package autoconfig

import (
	"errors"

	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
)

// RepositoryOptions are the options the module's configuration gives repositories:
//   - the module's snapshot store every pyfly.eventsourcing.snapshot.interval events (default
//     100): es.WithSnapshots when pyfly.eventsourcing.snapshot.provider is bun (an aggregate whose
//     state a JSON snapshot would lose is refused by es.NewRepository); in memory (the default
//     provider) es.WithSnapshotsWhenLossless, so that such an aggregate, which nobody configured
//     snapshots for, gets a repository without them and a warning;
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
	if snapshots == nil {
		return nil, errors.New("eventsourcing: NewRepositoryOptions: the snapshot store is nil; pass the one NewSnapshotStore returned")
	}
	opts := RepositoryOptions{es.WithSnapshotsWhenLossless(snapshots, s.Config.Snapshot.Interval)}
	if s.SnapshotStore.Provider == config.ProviderBun {
		opts[0] = es.WithSnapshots(snapshots, s.Config.Snapshot.Interval)
	}
	if ob != nil {
		opts = append(opts, es.WithOutbox(ob))
	}
	if s.Observer != nil {
		opts = append(opts, es.WithObserver(s.Observer))
	}
	return opts, nil
}
