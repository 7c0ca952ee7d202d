// Package bunstore implements every store of github.com/gofly/eventsourcing on PostgreSQL and
// SQLite through Bun: the event store, the snapshot store, the outbox store, and the checkpoint
// store, lease and dead-letter store of projection runners.
//
// # Opening and preparing a database
//
//	db, err := bunstore.Open(ctx, "postgresql+asyncpg://app:secret@db/app") // or "sqlite:///./app.db", "sqlite::memory:"
//	err = bunstore.Prepare(ctx, db, true) // Migrate (true) or CheckSchema (false), plus the restore guard
//	events, err := bunstore.NewEventStore(db, bunstore.WithUpcasters(...))
//	snapshots, err := bunstore.NewSnapshotStore(db)
//	records, err := bunstore.NewOutboxStore(db) // for outbox.New; it joins the events' transactions
//
// The tables are pyfly_event_store and pyfly_snapshots, as in pyfly, with a global_position and a
// database-clock recorded_at added to the events, and pyfly_outbox for the transactional outbox
// (the projections' tables follow below). [Migrate] applies the versioned SQL files embedded for
// the dialect with github.com/uptrace/bun/migrate and records them in
// pyfly_es_migrations; it is safe to run from several processes at once, and a process that
// dies while migrating blocks no later start. Any *bun.DB on pgdialect or sqlitedialect works;
// [Open] gives one with pool settings that suit each dialect (pgx's stdlib driver for
// PostgreSQL, the pure-Go modernc.org/sqlite for SQLite). [Parse] reads a URL once into a
// [Source] (dialect, what is opened, the redacted text, the key of the database) that
// [OpenSource] and [NewDBFrom] open; no error or message shows a secret of the URL, and a URL
// that could be read two ways (an unencoded "@" in the password) is refused before any dial.
//
// # Sharing a database with pyfly
//
// [Migrate] adopts tables pyfly made, with either generation's DDL, in place before the
// migrations run (see [Migrate]): the event table gets global_position and recorded_at, and its
// events without a position are numbered in pyfly's documented order (oldest occurred_at, or
// recorded_at, first, then aggregate id and sequence) after the positions pyfly gave and below
// every later one, each step in a transaction of its own. Reads return a row whose payload holds
// pyfly's envelope (StoredEventEnvelope.to_json) as the same es.Envelope as a native row;
// [WithPayloadFormat]([PayloadPyfly]) writes rows pyfly reads. After adoption pyfly's own INSERT,
// which sets no position, still works: on PostgreSQL a column default (migration 0007) gives the
// row a position from its transaction id, on SQLite the rowid, so readers never skip it.
//
// # Projections
//
// [NewCheckpointStore], [NewLease] and [NewDeadLetterStore] keep what the runners of package
// eventsourcing/projection need, in pyfly_projection_checkpoints, pyfly's pyfly_locks and
// pyfly_projection_dead_letters (migration 0003):
//
//	checkpoints, err := bunstore.NewCheckpointStore(db)
//	lease, err := bunstore.NewLease(db)
//	runner, err := projection.NewRunner(p, events, projection.WithCheckpoints(checkpoints), projection.WithLease(lease))
//
// The runner runs each batch in a transaction of the checkpoint store: a handler that writes its
// read model through [TxFrom] in the same database commits it with the checkpoint, exactly once.
// Lease expiry follows the database's clock; on PostgreSQL a lease whose holder's database
// session ended (its process died) is taken over at once (see [Lease]). On SQLite a batch holds the database's only write
// lock from its first statement to its commit, so appends (and other runners) wait for it: keep
// handlers short.
//
// [NewMembership] keeps the members of the groups of processes that balance their runners'
// leases (projection.Balancer) in pyfly_members (migration 0009), and [EventStore.ReadPartition]
// reads one partition of a partitioned projection in the database, hashing the aggregate id as
// projection.PartitionOf does (pyfly_partition, a function of migration 0009 on PostgreSQL and
// one registered on every SQLite connection).
//
// # Transactions
//
// [InTx] (and [EventStore.InTx], which implements es.Transactor) runs a function in one
// transaction and puts it into the context. Appends, snapshot saves and anything else that
// calls [TxFrom] (outbox, checkpoints, read models) write through it and commit or roll back
// together; a nested InTx joins the outer one. The hot paths (append, load, read all) run
// hand-written SQL with placeholders, on PostgreSQL through pgx's native connection under
// database/sql (the transaction's own connection when there is one). A PostgreSQL append is a
// single statement that checks the version and inserts the batch: its own transaction, one
// round trip, when the context carries none; from 256 events on it reads the head and writes
// with COPY instead.
//
// # The global stream on PostgreSQL
//
// A position from a sequence or BIGSERIAL is assigned at insert time but becomes visible at
// commit, so a reader that has moved past position p can later miss a smaller position
// committed after it. This store derives positions from the transaction instead:
//
//	global_position = xid × 2^20 + ordinal
//
// where xid is the writing transaction's id (pg_current_xact_id(), xid8) and ordinal counts
// the events the transaction has appended (at most 2^20 − 1 per transaction). ReadAll returns
// only positions below pg_snapshot_xmin(pg_current_snapshot()) × 2^20: every transaction with
// an id below the snapshot's xmin has ended, and every later transaction gets an id at or above
// it, so no event can ever appear below a position a reader has seen. Readers write nothing and
// writers never wait for each other (apart from appends to the same aggregate, which meet on the
// UNIQUE (aggregate_id, sequence) constraint).
//
// A transaction's id comes from its first write, not from its append. If a transaction wrote
// something first and then appends an aggregate's event n+1 after a younger transaction
// committed event n, n+1 would sort before n. Append refuses that case with es.ErrConcurrency
// and a message that says so; only a new transaction can succeed (a retry inside the same
// transaction fails the same way).
//
// Limits:
//   - A transaction that stays open after writing holds the read horizon back, for every
//     database of the server (the snapshot xmin is cluster-wide): readers see nothing newer
//     than its id until it ends. Writers are unaffected. Keep transactions short and set
//     idle_in_transaction_session_timeout; watch the gap between [EventStore.LastPosition] and
//     the newest stored position.
//   - Positions are sparse: do not expect 1, 2, 3. A cursor ReadAll did not return is rejected
//     with es.ErrInvalidArgument.
//   - A logical dump restored into another server (or a new cluster) restarts transaction ids
//     below the stored positions: new events would sort before old ones. [Prepare] refuses to
//     start then with [ErrPositionsAhead]; restore into a server whose transaction ids are past
//     the stored ones (for example by consuming ids with pg_resetwal -x, or on a physical
//     replica), or renumber the positions in their order with [Admin.Renumber] (esctl renumber
//     --confirm), which moves the projections' checkpoints with them.
//   - xid × 2^20 fits in a BIGINT while the server's xid8 stays below 2^43.
//
// # The global stream on SQLite
//
// SQLite has one writer at a time: every transaction begins with BEGIN IMMEDIATE (so it holds
// the write lock from its start to its commit) and waits up to 10 s for it (busy_timeout).
// The position is the table's rowid (INTEGER PRIMARY KEY, since migration 0005): SQLite gives
// each new event the highest position + 1 inside the write transaction, so positions are dense
// (1..n) and in commit order, and the table is stored in position order. The outbox numbers its
// records the same way (seq, the rowid of pyfly_outbox, since migration 0010, which rebuilds the
// table once without the AUTOINCREMENT counter that cost every enqueueing transaction a page of
// its WAL). An in-memory database (sqlite::memory:) has one connection and
// lives as long as the *bun.DB. Appends of one EventStore queue in process rather than in
// SQLite's busy handler. If the lock is held longer than the busy timeout the operation fails
// with [ErrBusy].
//
// # Operations
//
// [Admin] reads and repairs the tables for operators (the esctl command is a shell over it):
// aggregates, events and the global stream as stored; each projection's checkpoint, lag, lease,
// state and dead letters; each outbox's backlog; the read horizon and the transaction holding it;
// missing migrations. It resets a projection's checkpoint (a running runner notices and replays),
// brings dead letters back (a projection's through the runner: see projection.RetryStore, which
// [DeadLetterStore] implements), and renumbers a PostgreSQL database restored into another
// server ([Admin.Renumber]). It implements inspect.Inspector, which package health reports on.
//
// # Errors
//
// Bad input is es.ErrInvalidArgument before anything is touched (storekit.ValidateAppend); a version
// mismatch or a lost race is a *es.ConcurrencyError for pgx, pgdriver and SQLite alike; an event
// id that is already stored is es.ErrInvalidArgument, not a conflict; a missing table or column
// is a [*SchemaError] (matching [ErrSchema]) naming it and what to run; context cancellation
// returns the context's error; other driver
// errors come back wrapped with the operation ("bunstore: append: ...").
package bunstore
