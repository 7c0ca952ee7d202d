// Package config loads the pyfly.eventsourcing.* configuration through koanf.
//
// [Load] layers, last one winning: the defaults, a YAML file, then PYFLY_* environment variables.
// The YAML file is the one given in code ([WithFile], [WithYAML]), else the path in the PYFLY_CONFIG
// environment variable, else application.yaml in the working directory when there is one. An
// environment variable names a key in upper case with "_" for "." and "__" for a literal "_":
// PYFLY_EVENTSOURCING_STORE_PROVIDER sets pyfly.eventsourcing.store.provider and
// PYFLY_EVENTSOURCING_STORE_AUTO__MIGRATE sets pyfly.eventsourcing.store.auto_migrate, the
// accepted older spelling of store.auto-migrate. Values are never split on commas, so PostgreSQL
// URLs with options survive.
//
// An application that already has a *koanf.Koanf hands it to [FromKoanf] instead. Either way the
// result is strict: an unknown key under pyfly.eventsourcing, a value of the wrong type, an
// unknown provider, or auto-migrate and auto_migrate set to different values is an *[Error] that
// names the full key and what is valid, matching [ErrInvalidConfig].
//
// Multi-word keys are spelt in kebab case, as pyfly spells them (auto-migrate); auto_migrate is
// accepted too. Within one source (a file, the environment) the two must agree; a later source
// overrides an earlier one whichever spelling each uses.
//
// # Keys
//
//	pyfly.eventsourcing.enabled               false         gates the Fx module
//	pyfly.eventsourcing.store.provider        memory        memory, bun (sqlalchemy is an alias of bun)
//	pyfly.eventsourcing.store.url             (none)        falls back to pyfly.data.relational.url, then sqlite:///./app.db
//	pyfly.eventsourcing.store.auto-migrate    (by dialect)  create the tables on start: default true on SQLite, false on PostgreSQL
//	pyfly.eventsourcing.snapshot.provider     memory        as store.provider
//	pyfly.eventsourcing.snapshot.url          (none)        as store.url
//	pyfly.eventsourcing.snapshot.auto-migrate (by dialect)  as store.auto-migrate
//	pyfly.eventsourcing.eda.destination       pyfly.events  Watermill topic of the publisher
//	pyfly.data.relational.url                 (none)        the application's database, shared fallback
//
// The other keys under pyfly.eventsourcing.projection, pyfly.eventsourcing.outbox and
// pyfly.eventsourcing.health ([Keys] lists them) each set one field of projection.Config,
// outbox.Config or health.Config, which document them: projection.batch-size sets
// projection.Config.BatchSize, outbox.max-attempts sets outbox.Config.MaxAttempts,
// health.outbox-age sets health.Config.OutboxAge, and so on. Their defaults are those packages'
// (projection.DefaultConfig, outbox.DefaultConfig, health.DefaultConfig), and 0 means the
// default. A value
// those Configs' Validate refuses is an *[Error] naming the key, which also matches
// es.ErrInvalidArgument. A max wait set alone (retry-max, backoff-max) below the default first
// wait is the first wait too.
package config
