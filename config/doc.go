// Package config loads the pyfly.eventsourcing.* configuration through koanf.
//
// [Load] layers, last one winning: the defaults, a YAML file, then PYFLY_* environment variables.
// The YAML file is the one given in code ([WithFile], [WithYAML]), else the path in the PYFLY_CONFIG
// environment variable, else application.yaml in the working directory when there is one. An
// environment variable names a key as pyfly spells it, in upper case with "_" for each ".", "-"
// and "_": PYFLY_EVENTSOURCING_STORE_PROVIDER sets pyfly.eventsourcing.store.provider and
// PYFLY_EVENTSOURCING_OUTBOX_MAX_ATTEMPTS sets pyfly.eventsourcing.outbox.max-attempts (see
// [EnvKey]); "__" for a literal "_" works too (PYFLY_EVENTSOURCING_STORE_AUTO__MIGRATE sets
// store.auto_migrate, the accepted older spelling of store.auto-migrate). Values are never split
// on commas, so PostgreSQL URLs with options survive.
//
// An application that already has a *koanf.Koanf hands it to [FromKoanf] instead. Either way the
// result is strict: an unknown key under pyfly.eventsourcing (named with the key it most likely
// meant: "did you mean `pyfly.eventsourcing.store.provider`?"), keys under a misspelling of
// pyfly.eventsourcing itself (pyfly.event-sourcing), a value of the wrong type, an unknown
// provider, or auto-migrate and auto_migrate set to different values is an *[Error] that names
// the full key and what is valid, matching [ErrInvalidConfig].
//
// Multi-word keys are spelt in kebab case, as pyfly spells them (auto-migrate); auto_migrate is
// accepted too. Within one source (a file, the environment) the two must agree; a later source
// overrides an earlier one whichever spelling each uses.
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
//
// # Keys
//
// Every key the module reads, its default and what it does (README.md has the same table; both are
// generated from [KeyDocs]):
//
//   - pyfly.eventsourcing.enabled (default: false): Turns the module on; while false, asking for
//     any of its beans fails with an error saying to set it.
//   - pyfly.eventsourcing.store.provider (default: memory): Event store backend: memory (lost on
//     restart), bun (PostgreSQL or SQLite), or sqlalchemy (alias of bun).
//   - pyfly.eventsourcing.store.url (no default): Database URL of a bun event store; falls back to
//     pyfly.data.relational.url, then sqlite:///./app.db.
//   - pyfly.eventsourcing.store.datasource (no default): pyfly's key: names an entry of
//     pyfly.data.relational.datasources (or primary) whose URL the event store uses; set it or
//     store.url, not both.
//   - pyfly.eventsourcing.store.auto-migrate (default: true on SQLite, false on PostgreSQL): Create
//     or upgrade the tables on start (tables pyfly made are adopted in place, keeping every row);
//     when off, the tables of the stores on that database are checked (the outbox's only when it is
//     enabled, the projections' only when there are projections) and a missing one fails the start.
//     auto_migrate is accepted too; unset, it follows pyfly.data.relational.ddl-auto when that is
//     set.
//   - pyfly.eventsourcing.store.position-strategy (default: auto): pyfly's key: auto, or xid8 on
//     PostgreSQL, where positions are transaction ids as with pyfly's xid8 (pyfly's head-row is
//     refused).
//   - pyfly.eventsourcing.store.payload-format (default: compact): What appends write into the
//     payload column: compact (the event's payload) or pyfly (pyfly's envelope JSON, which pyfly
//     services read); rows of both are read either way.
//   - pyfly.eventsourcing.snapshot.provider (default: memory): Snapshot store backend: memory, bun
//     or sqlalchemy (alias of bun).
//   - pyfly.eventsourcing.snapshot.url (no default): Database URL of a bun snapshot store; same
//     fallback chain as store.url, which can put the snapshots in another database than the events
//     (the module warns at start): set it to store.url to commit them together.
//   - pyfly.eventsourcing.snapshot.datasource (no default): As store.datasource, for the snapshot
//     store; set it or snapshot.url, not both.
//   - pyfly.eventsourcing.snapshot.auto-migrate (default: as store.auto-migrate): As
//     store.auto-migrate, for the snapshot store's database.
//   - pyfly.eventsourcing.snapshot.interval (default: 100): Repositories built with
//     autoconfig.RepositoryOptions take a snapshot into the configured snapshot store each time a
//     save crosses a multiple of this many events; at least 1. With snapshot.provider: bun, an
//     aggregate whose state JSON would lose is refused; with events and snapshots both in memory
//     (the default providers) it gets none, with a warning; with events in a database and snapshots
//     in memory there are none.
//   - pyfly.eventsourcing.eda.destination (default: pyfly.events): Watermill topic the publisher
//     sends stored events to (UTF-8 without NUL bytes).
//   - pyfly.eventsourcing.projection.checkpoint.provider (default: the event store's): Where
//     checkpoints, the runners' lease and dead letters live: memory or bun.
//   - pyfly.eventsourcing.projection.checkpoint.url (default: the event store's URL): Database URL
//     of bun checkpoints; in the read model's database, read model and checkpoint commit together
//     (exactly once).
//   - pyfly.eventsourcing.projection.checkpoint.datasource (no default): As store.datasource, for
//     the checkpoints; set it or projection.checkpoint.url, not both.
//   - pyfly.eventsourcing.projection.checkpoint.auto-migrate (default: as store.auto-migrate): As
//     store.auto-migrate, for the checkpoint database.
//   - pyfly.eventsourcing.projection.balance (default: true): Spreads the projections' leases (and
//     partitions) across the processes that run them, each holding its share within one, with
//     members' heartbeats in the checkpoint database (bun); false lets the first process take every
//     lease.
//   - pyfly.eventsourcing.projection.batch-size (default: 100): Most events a runner reads at once;
//     a runner that keeps up applies each read in one transaction.
//   - pyfly.eventsourcing.projection.commit-size (default: 5000): Most events one transaction takes
//     while a runner catches up: full pages read back to back share it (one commit, one checkpoint
//     move) where commits are dear, while, at the last batch's pace, reading and handling them
//     takes at most 50 ms.
//   - pyfly.eventsourcing.projection.poll-interval (default: 1s): How long a caught-up runner waits
//     before reading again when no commit wakes it.
//   - pyfly.eventsourcing.projection.start-from (default: earliest): Where a projection without a
//     checkpoint starts: earliest or latest.
//   - pyfly.eventsourcing.projection.lease-ttl (default: 30s): How long a runner holds its
//     projection's lease; another process takes over within it when the active one dies (on
//     PostgreSQL within a poll interval of its connection closing).
//   - pyfly.eventsourcing.projection.retry-initial (default: 1s): First wait before a failed event
//     is tried again; it doubles up to retry-max.
//   - pyfly.eventsourcing.projection.retry-max (default: 1m): Longest wait between tries of a
//     failed event.
//   - pyfly.eventsourcing.projection.dead-letter-after (default: 0): Park an event that failed this
//     many times as a dead letter and move on; 0 retries for ever.
//   - pyfly.eventsourcing.projection.dead-letter-policy (default: park with dead-letter-after, else
//     retry): What a runner does with an event that failed dead-letter-after times: park (park it,
//     go on), park-aggregate (park it and hold its aggregate's later events behind it, in order,
//     until it is retried or skipped), pause (park it and apply nothing until no dead letter is
//     left) or retry (never park: retry for ever).
//   - pyfly.eventsourcing.projection.versions (default: (none: version 1, unversioned)): The
//     version of projections by name (versions: {orders_view: 2}, or
//     projection.versions.orders_view: 2), 1 to 99999. A named projection keeps the records of
//     versions and tells its handler whether an event is replayed; raising its version starts the
//     new version beside the running one, which hands over once the new one has caught up (see
//     Projections).
//   - pyfly.eventsourcing.projection.switch-lag (default: 100): How many readable events a new
//     version may have left to apply when it takes over from the active one.
//   - pyfly.eventsourcing.projection.partitions (default: 1): Splits each projection into this many
//     partitions by aggregate id (FNV-1a 32-bit of the id, modulo the number), each with its own
//     checkpoint (name#i/n) and lease, balanced like projections; changing it for a projection with
//     checkpoints needs a reset.
//   - pyfly.eventsourcing.outbox.enabled (default: false): Wires the transactional outbox:
//     repositories built with autoconfig.RepositoryOptions enqueue saved events in the append's
//     transaction; relays publish them through the EDA publisher.
//   - pyfly.eventsourcing.outbox.provider (default: the event store's): Outbox store; it must be
//     the event store's database.
//   - pyfly.eventsourcing.outbox.url (default: the event store's URL): As provider.
//   - pyfly.eventsourcing.outbox.name (default: default): Outboxes with different names share a
//     store and deliver apart.
//   - pyfly.eventsourcing.outbox.max-attempts (default: 5): Publishes of one record before it
//     becomes a dead letter.
//   - pyfly.eventsourcing.outbox.dead-letter-policy (default: park): What the relays do with a
//     record whose attempts ran out: park (a dead letter; its aggregate's later records go on),
//     park-aggregate (a dead letter that holds its aggregate's later records until it is retried or
//     skipped), pause (publish nothing until no dead letter is left) or retry (never a dead letter:
//     retry for ever).
//   - pyfly.eventsourcing.outbox.poll-interval (default: 1s): How long an idle relay waits before
//     looking again when no commit wakes it.
//   - pyfly.eventsourcing.outbox.publish-timeout (default: 30s): Longest a publish may take; a
//     slower one counts as a failed attempt.
//   - pyfly.eventsourcing.outbox.backoff-initial (default: 1s): First wait before a failed record
//     is published again; it doubles up to backoff-max.
//   - pyfly.eventsourcing.outbox.backoff-max (default: 30s): Longest wait between attempts.
//   - pyfly.eventsourcing.outbox.claim-timeout (default: 2m): How long a relay holds the records it
//     claimed; a dead relay's records go to another after it.
//   - pyfly.eventsourcing.outbox.retention (default: 1h): How long delivered records are kept
//     before they are pruned.
//   - pyfly.eventsourcing.outbox.batch-size (default: 100): Most records a relay claims at once.
//   - pyfly.eventsourcing.outbox.relays (default: 1): Relay goroutines in this process.
//   - pyfly.eventsourcing.outbox.mode (default: records): records: saves enqueue outbox records in
//     the append's transaction and relays publish them; stream: saves write only the events, and
//     one publisher per outbox (elected through the projections' lease) publishes every event of
//     the store's global stream in order, from a position kept as the projection outbox:<name> in
//     the checkpoint database, at least once (see Outbox).
//   - pyfly.eventsourcing.outbox.start-from (default: earliest): Mode stream: where an outbox
//     without a stored position starts, earliest (every stored event is published once) or latest.
//   - pyfly.eventsourcing.outbox.checkpoint-interval (default: 100ms): Mode stream: how often the
//     position is stored while events are published; a crash publishes again at most what went out
//     since.
//   - pyfly.eventsourcing.health.projection-lag (default: 10000): Health: a projection more events
//     behind the store's head than this is unhealthy.
//   - pyfly.eventsourcing.health.projection-stall (default: 1m): Health: a projection whose oldest
//     unapplied event has waited longer is unhealthy; one holding its lease whose checkpoint has
//     not moved for this long while events wait is failing.
//   - pyfly.eventsourcing.health.outbox-pending (default: 10000): Health: an outbox with more
//     pending records than this is unhealthy.
//   - pyfly.eventsourcing.health.outbox-age (default: 5m): Health: an outbox whose oldest pending
//     record has waited longer is unhealthy.
//   - pyfly.eventsourcing.health.horizon-age (default: 1m): Health (PostgreSQL): events held behind
//     the read horizon by a transaction open for longer are unhealthy.
//   - pyfly.eventsourcing.health.dead-letters (default: 0): Health: a projection or outbox with
//     more dead letters than this is unhealthy; 0 reports them without failing.
//   - pyfly.data.relational.url (no default): The application's database, used by bun stores that
//     set no URL of their own.
//   - pyfly.data.relational.ddl-auto (no default): pyfly's schema strategy, for the stores that set
//     no auto-migrate: create, create-drop and update migrate on start (tables are never dropped),
//     validate and none check.
//   - pyfly.data.relational.datasources (no default): pyfly's named databases, <name>: {url: …}:
//     what the stores' datasource keys name (their other settings are pyfly's).
package config
