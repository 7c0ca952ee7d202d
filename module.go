// Package eventsourcing is gofly event sourcing as an Uber Fx module: aggregates whose events are
// stored in memory, PostgreSQL or SQLite, snapshots, a transactional outbox that publishes stored
// events to Watermill, and projection runners that keep read models from the event stream.
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
// [Module] provides ten values:
//   - es.EventStore and es.SnapshotStore, as pyfly.eventsourcing.store.* and snapshot.*
//     choose them;
//   - [*autoconfig.Databases], the *bun.DB handles, for read models that share the event store's
//     database (nil until the application starts);
//   - *eda.Publisher, which publishes envelopes to the graph's Watermill publisher on the topic
//     pyfly.eventsourcing.eda.destination names; it is nil when the graph has no Watermill
//     publisher: supply one as exactly the type message.Publisher, for example
//     fx.Provide(fx.Annotate(newPubSub, fx.As(new(message.Publisher)))). On start the module
//     logs why the publisher is nil: a warning naming a publisher provided under another type
//     (such as *gochannel.GoChannel), else one info line;
//   - *outbox.Outbox, the transactional outbox of pyfly.eventsourcing.outbox.*, started and
//     stopped with the application; nil while outbox.enabled is false or outbox.mode is stream;
//   - [*autoconfig.OutboxStream], the outbox of outbox.mode stream, which publishes every event
//     of the event store's global stream from a stored position; built with es.EventStore and
//     started and stopped with the application; nil unless the outbox is enabled in mode stream;
//   - [autoconfig.RepositoryOptions], the options to pass to es.NewRepository: the module's
//     logger, its snapshot store every pyfly.eventsourcing.snapshot.interval events (with
//     snapshot.provider bun, or with events and snapshots both in memory; see
//     autoconfig.NewRepositoryOptions), and es.WithOutbox with the module's outbox when there is one;
//   - [*autoconfig.Projections], the runners of the projections registered with
//     [ProvideProjection], configured by pyfly.eventsourcing.projection.* and run from the
//     application's start to its stop;
//   - *health.Checker, the health report of the stores, the projections (and the runners of
//     this process) and the outbox, judged by pyfly.eventsourcing.health.*, and
//     *health.Handler, which serves it over HTTP (200 or 503, the report as JSON): mount it,
//     for example mux.Handle("GET /health/eventsourcing", h).
//
// # Observability
//
// When the graph holds a trace.TracerProvider or a metric.MeterProvider (those exact interface
// types, as the OpenTelemetry SDK's providers are provided with fx.As), every store, repository
// (through autoconfig.RepositoryOptions), projection runner and the outbox report to them
// through package otelhooks: spans and metrics of each operation, and gauges read from the
// stores while the application runs. Without either, nothing is reported and the hooks cost a
// nil check.
//
// # Lifecycle
//
// Nothing is opened while the application is built. Databases are built, connected, migrated or
// checked on start and closed on stop; the Bun stores bind to their database on start, and
// calls before start or after stop fail with autoconfig.ErrNotStarted or autoconfig.ErrStopped.
// Memory stores work at once.
//
// # Configuration
//
// The module reads pyfly.eventsourcing.* from the graph's *koanf.Koanf (again, that exact type)
// when there is one, and otherwise loads it itself with config.Load: application.yaml in the
// working directory (or the file named by PYFLY_CONFIG), then PYFLY_* environment variables. See
// application.yaml.example at the repository root for every key.
//
// pyfly.eventsourcing.enabled must be true: while it is false, asking for any of the module's
// beans fails with config.ErrDisabled. A bad configuration (an unknown key, with the key it most
// likely meant; keys under a misspelling of pyfly.eventsourcing itself; an unknown provider, a
// malformed URL or YAML file) fails fx.New with config.ErrInvalidConfig before anything is
// opened. The *config.Error inside Fx's error names the key at fault and reads alone:
//
//	var cfgErr *config.Error
//	if errors.As(app.Err(), &cfgErr) {
//		fmt.Fprintln(os.Stderr, cfgErr)
//	}
//
// The module logs through the graph's *slog.Logger (that exact type; optional, slog.Default()
// without one): the store each bean uses, why the publisher is nil, and warnings such as
// snapshots that cannot commit with their events.
//
// Upcasters for the event store are supplied as one ordered list:
// fx.Supply(autoconfig.Upcasters{…}).
//
// The constructors live in package autoconfig and work without Fx.
package eventsourcing

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/knadh/koanf/v2"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"

	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/health"
)

// Module provides the event-sourcing beans to an Fx application (see the package documentation).
var Module = fx.Module("eventsourcing",
	fx.Provide(fx.Private, settings),
	fx.Provide(
		fx.Annotate(autoconfig.NewDatabases,
			fx.OnStart(func(ctx context.Context, d *autoconfig.Databases) error { return d.Start(ctx) }),
			fx.OnStop(func(d *autoconfig.Databases) error { return d.Close() }),
		),
		eventStore,
		autoconfig.NewSnapshotStore,
		publisher,
		fx.Annotate(autoconfig.NewOutbox,
			fx.OnStart(func(ctx context.Context, ob *outbox.Outbox) error {
				if ob == nil {
					return nil
				}
				return ob.Start(ctx)
			}),
			fx.OnStop(func(ctx context.Context, ob *outbox.Outbox) error {
				if ob == nil {
					return nil
				}
				return ob.Stop(ctx)
			}),
		),
		autoconfig.NewRepositoryOptions,
		fx.Annotate(autoconfig.NewProjections,
			fx.ParamTags(``, ``, ``, `group:"`+ProjectionsGroup+`"`),
			fx.OnStart(func(ctx context.Context, p *autoconfig.Projections) error { return p.Start(ctx) }),
			fx.OnStop(func(ctx context.Context, p *autoconfig.Projections) error { return p.Stop(ctx) }),
		),
		autoconfig.NewHealthChecker,
		health.NewHandler,
	),
)

// ProjectionsGroup is the Fx value group of the projections the module runs.
const ProjectionsGroup = "eventsourcing.projections"

// ProvideProjection registers a projection with the module: constructor is an Fx constructor
// whose first result implements projection.Projection. The result stays available under its own
// type (for the application's queries; a constructor that returns the projection.Projection
// interface itself only joins the group) and joins the group of projections the module runs: one
// runner per projection from the application's start to its stop (see autoconfig.Projections),
// configured by pyfly.eventsourcing.projection.*.
//
//	fx.New(eventsourcing.Module, eventsourcing.ProvideProjection(NewOrdersView), …)
func ProvideProjection(constructor any) fx.Option {
	ct := reflect.TypeOf(constructor)
	pt := reflect.TypeFor[projection.Projection]()
	if ct == nil || ct.Kind() != reflect.Func || ct.NumOut() == 0 || !ct.Out(0).Implements(pt) {
		return fx.Error(fmt.Errorf("eventsourcing: ProvideProjection: %v is not a constructor whose first result implements projection.Projection", ct))
	}
	invoke := fx.Invoke(func(*autoconfig.Projections) {}) // runners start with the application
	if ct.Out(0).Kind() == reflect.Interface {
		// An interface result (projection.Projection itself): into the group only, so that several
		// such constructors do not clash.
		return fx.Options(fx.Provide(fx.Annotate(constructor, fx.As(new(projection.Projection)), fx.ResultTags(`group:"`+ProjectionsGroup+`"`))), invoke)
	}
	// The concrete type as itself, and a conversion of it into the group.
	as := reflect.MakeFunc(reflect.FuncOf([]reflect.Type{ct.Out(0)}, []reflect.Type{pt}, false),
		func(args []reflect.Value) []reflect.Value { return []reflect.Value{args[0].Convert(pt)} })
	return fx.Options(
		fx.Provide(constructor),
		fx.Provide(fx.Annotate(as.Interface(), fx.ResultTags(`group:"`+ProjectionsGroup+`"`))),
		invoke,
	)
}

// settingsIn are the gate's optional inputs; each matches its exact type.
type settingsIn struct {
	fx.In

	Koanf          *koanf.Koanf         `optional:"true"`
	Logger         *slog.Logger         `optional:"true"`
	TracerProvider trace.TracerProvider `optional:"true"`
	MeterProvider  metric.MeterProvider `optional:"true"`
}

// settings is the gate every bean depends on: it reads the configuration from the graph's
// *koanf.Koanf, or with config.Load when there is none, and validates it with
// autoconfig.NewSettings before anything is built; with the graph's OpenTelemetry providers it
// makes every component report to them. (A plain function rather than fx.Annotate, so
// that Fx's error chain names it.)
func settings(in settingsIn) (*autoconfig.Settings, error) {
	var (
		cfg config.Config
		err error
	)
	if in.Koanf != nil {
		cfg, err = config.FromKoanf(in.Koanf)
	} else {
		cfg, err = config.Load()
	}
	if err != nil {
		return nil, err
	}
	s, err := autoconfig.NewSettings(cfg, in.Logger)
	if err != nil {
		return nil, err
	}
	if err := s.UseTelemetry(in.TracerProvider, in.MeterProvider); err != nil {
		return nil, err
	}
	return s, nil
}

type publisherIn struct {
	fx.In

	Lifecycle fx.Lifecycle
	Settings  *autoconfig.Settings
	Publisher message.Publisher `optional:"true"`
	Graph     fx.DotGraph       `optional:"true"`
}

// publisher provides autoconfig.NewPublisher's publisher and, when it is nil, says why at start.
func publisher(in publisherIn) *eda.Publisher {
	p := autoconfig.NewPublisher(in.Settings, in.Publisher)
	if p == nil {
		in.Lifecycle.Append(fx.StartHook(func() { autoconfig.ExplainNilPublisher(in.Settings, string(in.Graph)) }))
	}
	return p
}

type eventStoreIn struct {
	fx.In

	Lifecycle fx.Lifecycle
	Settings  *autoconfig.Settings
	Databases *autoconfig.Databases
	Upcasters autoconfig.Upcasters `optional:"true"`
	Publisher message.Publisher    `optional:"true"`
}

type eventStoreOut struct {
	fx.Out

	Store  es.EventStore
	Stream *autoconfig.OutboxStream
}

// eventStore provides autoconfig.NewEventStore's store and, with pyfly.eventsourcing.outbox.mode
// stream, the outbox stream over it, started and stopped with the application: it publishes the
// store's events whoever appends them, so it runs whenever the store is used.
func eventStore(in eventStoreIn) (eventStoreOut, error) {
	store, err := autoconfig.NewEventStore(in.Settings, in.Databases, in.Upcasters)
	if err != nil {
		return eventStoreOut{}, err
	}
	if !in.Settings.Config.Outbox.Stream() {
		return eventStoreOut{Store: store}, nil
	}
	stream, err := autoconfig.NewOutboxStream(in.Settings, in.Databases, store, autoconfig.NewPublisher(in.Settings, in.Publisher))
	if err != nil {
		return eventStoreOut{}, err
	}
	in.Lifecycle.Append(fx.StartStopHook(stream.Start, stream.Stop))
	return eventStoreOut{Store: store, Stream: stream}, nil
}
