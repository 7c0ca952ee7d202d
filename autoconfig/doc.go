// Package autoconfig builds the event-sourcing beans from the configuration: it selects each
// store's provider, resolves its database URL, owns the *bun.DB handles and publishes to Watermill.
// Each bean has one constructor, which the root package's Module wires into Fx and which works
// without Fx as well:
//
//	cfg, err := config.Load()
//	settings, err := autoconfig.NewSettings(cfg, slog.Default()) // the gate and all validation
//	dbs, err := autoconfig.NewDatabases(settings)                 // plans the databases: no *bun.DB yet
//	store, err := autoconfig.NewEventStore(settings, dbs, nil)
//	snapshots, err := autoconfig.NewSnapshotStore(settings, dbs)
//	err = dbs.Start(ctx) // build the pools, connect, migrate or check the schema, bind the stores
//	defer dbs.Close()    // unbind the stores, close the pools
//
// [NewSettings] is the single place that checks pyfly.eventsourcing.enabled, validates the
// providers and parses the URLs, so a bad configuration fails before anything is opened.
//
// # Lifecycle
//
// No *bun.DB exists before [Databases.Start]: database/sql starts goroutines as soon as a pool
// is built, so an application that fails to build must not have built one. The Bun stores are
// therefore built unbound: they forward every call to the bunstore store that Start creates on
// the opened database, and return an error matching [ErrNotStarted] before that and
// [ErrStopped] after [Databases.Close]. They keep the Bun store's transactions (es.Transactor,
// es.TxJoiner), commit notifications (es.CommitNotifier) and offer Unwrap. Memory stores need
// no database and work at once.
//
// # URL chain
//
// A bun store uses its own url key, else pyfly.data.relational.url, else sqlite:///./app.db; the
// choice is logged at info level with the password redacted. Stores whose URLs name the same
// database share one *bun.DB. When store.url is set and snapshot.url is not, and the chain puts
// the snapshots in another database than the events, [NewSettings] warns that they will not
// commit together and names snapshot.url.
//
// # Repository options
//
// [NewRepositoryOptions] gives repositories the module's logger; the snapshot store at
// pyfly.eventsourcing.snapshot.interval (es.WithSnapshots when the snapshot provider is bun;
// es.WithSnapshotsWhenLossless when the events and the snapshots are both in memory; none for
// events in a database and snapshots in memory); and es.WithOutbox when the outbox is enabled.
//
// # Migrations
//
// [Databases.Start] runs the migrations of a database when any store on it sets auto-migrate:
// true, or when none sets it and the database is SQLite (so a fresh app.db works). Otherwise it
// checks that the tables exist and fails with a message naming the missing one and the key to set.
//
// # Observability
//
// [Settings.UseTelemetry] makes everything built from the settings report to OpenTelemetry
// (package otelhooks); the gauges read the stores through [Databases.Inspector] from
// [Databases.Start] to [Databases.Close]. [NewHealthChecker] builds the health report of the
// stores and of the runners of [Projections]; health.NewHandler serves it over HTTP.
//
// # Publisher
//
// [NewPublisher] is nil without a message.Publisher; [ExplainNilPublisher] logs why, naming a
// Watermill publisher the graph holds under another type.
package autoconfig
