// Package eventsourcing is gofly event sourcing as an Uber Fx module: aggregates whose events are
// stored in memory, PostgreSQL or SQLite, snapshots, and a bridge that publishes stored events to
// Watermill.
//
//	import (
//		"github.com/gofly/eventsourcing"
//		es "github.com/gofly/eventsourcing/eventsourcing"
//	)
//
//	app := fx.New(
//		eventsourcing.Module,
//		fx.Invoke(func(store es.EventStore, snapshots es.SnapshotStore) { … }),
//	)
//
// # Beans
//
// [Module] provides es.EventStore, es.SnapshotStore, *eda.Publisher and
// [*autoconfig.Databases] (the *bun.DB handles, for read models that share the event store's
// database). The publisher is nil when the graph has no Watermill publisher: supply one as exactly
// the type message.Publisher, for example fx.Provide(fx.Annotate(newPubSub, fx.As(new(message.Publisher)))).
//
// # Configuration
//
// The module reads pyfly.eventsourcing.* from the graph's *koanf.Koanf (again, that exact type)
// when there is one, and otherwise loads it itself with config.Load: application.yaml in the
// working directory (or the file named by PYFLY_CONFIG), then PYFLY_* environment variables. See
// application.yaml.example at the repository root for every key.
//
// pyfly.eventsourcing.enabled must be true: while it is false, asking for any of the module's
// beans fails with config.ErrDisabled. A bad configuration (an unknown key, an unknown
// provider, a malformed URL or YAML file) fails fx.New with config.ErrInvalidConfig before
// anything is opened. Databases are opened, migrated or checked on start and closed on stop.
//
// Upcasters for the event store are supplied as one ordered list:
// fx.Supply(autoconfig.Upcasters{…}).
//
// The constructors live in package autoconfig and work without Fx.
package eventsourcing

import (
	"go.uber.org/fx"

	"github.com/gofly/eventsourcing/autoconfig"
)

// Module provides the event-sourcing beans to an Fx application (see the package documentation).
var Module = fx.Module("eventsourcing",
	fx.Provide(
		fx.Private,
		autoconfig.ProvideSettings,
	),
	fx.Provide(
		autoconfig.ProvideDatabases,
		autoconfig.ProvideEventStore,
		autoconfig.NewSnapshotStore,
		autoconfig.ProvidePublisher,
	),
)
