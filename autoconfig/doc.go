// Package autoconfig builds the event-sourcing beans from the configuration: it selects each
// store's provider, resolves its database URL, owns the *bun.DB handles and publishes to Watermill.
// The root package's Module wires these constructors into Fx; they work without Fx as well:
//
//	cfg, err := config.Load()
//	settings, err := autoconfig.NewSettings(cfg, slog.Default()) // the gate and all validation
//	dbs, err := autoconfig.NewDatabases(settings)                 // no I/O
//	store, err := autoconfig.NewEventStore(settings, dbs)
//	snapshots, err := autoconfig.NewSnapshotStore(settings, dbs)
//	err = dbs.Start(ctx)                                          // connect, migrate or check the schema
//	defer dbs.Close()
//
// [NewSettings] is the single place that checks pyfly.eventsourcing.enabled, validates the
// providers and parses the URLs, so a bad configuration fails before anything is opened.
//
// # URL chain
//
// A bun store uses its own url key, else pyfly.data.relational.url, else sqlite:///./app.db; the
// choice is logged at info level with the password redacted. Stores whose URLs name the same
// database share one *bun.DB.
//
// # Migrations
//
// [Databases.Start] runs the migrations of a database when any store on it sets auto_migrate:
// true, or when none sets it and the database is SQLite (so a fresh app.db works). Otherwise it
// checks that the tables exist and fails with a message naming the missing one.
package autoconfig
