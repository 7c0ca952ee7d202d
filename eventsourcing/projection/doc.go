// Package projection turns the global event stream into read models: a [Projection] (a name
// and a handler, [FunctionProjection], or [Typed] with handlers per event type) and a [Runner]
// that feeds it from a durable checkpoint.
//
//	orders := projection.NewTyped("orders_view")
//	projection.On(orders, func(ctx context.Context, e OrderPlaced, env es.Envelope) error {
//		tx, _ := bunstore.TxFrom(ctx) // the checkpoint's transaction
//		_, err := tx.NewInsert().Model(&OrderRow{ID: env.AggregateID, Amount: e.Amount}).Exec(ctx)
//		return err
//	})
//	checkpoints, err := bunstore.NewCheckpointStore(db) // or memory.NewCheckpointStore()
//	lease, err := bunstore.NewLease(db)                 // or memory.NewLease()
//	runner, err := projection.NewRunner(orders, store,
//		projection.WithCheckpoints(checkpoints), projection.WithLease(lease))
//	…
//	err = runner.Start(ctx) // and runner.Stop(ctx) on shutdown
//
// # Delivery
//
// When the checkpoint store runs transactions (es.Transactor: the memory store and the Bun store
// do), each batch runs in one: the checkpoint moves first, then the handler applies the events
// with the transaction in its context. A read model written through that transaction (for Bun,
// bunstore.TxFrom(ctx)) commits or rolls back with the checkpoint, so it sees each event exactly
// once. Effects outside that transaction (another database, a broker, an HTTP call) happen at
// least once: after a crash or a failed commit the batch is applied again, so make them
// idempotent (the event id is unique). A checkpoint store without transactions (the runner's
// private default) gives at-least-once delivery for everything.
//
// A batch is a page of at most the batch size ([WithBatchSize]) while the runner keeps up. While
// it catches up, full pages read back to back join one batch, and so one transaction and one
// checkpoint move, when commits are dear next to reading and handling a page (a disk flush on
// PostgreSQL): up to [WithCommitSize] events, and only as many as it reads and handles in about
// 50 ms at the last batch's pace. Every read still asks for the batch size.
//
// # Failures
//
// A handler error stops its batch at that event. The events before it keep their progress: in
// transactional mode the batch rolled back, so the runner applies them again, alone, and commits
// them (their handler runs a second time; only the committed run has effects in the transaction).
// The failed event is retried in order after an exponential back-off ([WithRetry]) and is never
// skipped silently: without [WithDeadLetters] the runner retries it for ever, and [Runner.Status]
// shows the event, the attempts and the error. With it, the event is parked in the dead-letter
// store after the given number of attempts, in the same transaction as the checkpoint's move past
// it, where [Runner.DeadLetters] lists it and Status counts it. An operator brings it back
// through a dead-letter store that is a [RetryStore] (esctl dead-letters retry): the active
// runner applies it again, after the events that followed it. A panicking handler counts as a
// failing one.
//
// # One active runner per projection
//
// With [WithLease], runners of one projection in several processes elect one: the one holding
// the lease applies events, the others stand by and try to acquire it every poll interval (or
// third of the lease's time to live, when shorter). A runner standing by logs once who holds the
// lease until when (with a [LeaseReader]), and [Runner.Status] shows it. The active runner
// extends the lease every third of its time to live: between batches, and while it waits
// between them (caught up, or backing off after a failure); a runner that loses its lease, or
// cannot extend it before it expires, stops reporting itself active and stands by. If it dies,
// the lease expires after its time to live and a standby runner takes over, sooner where the lease can tell that its holder died (the Bun lease
// on PostgreSQL: within a standby interval of the holder's connection closing). Each
// acquisition gets a higher fencing token, which the checkpoint store records: a runner whose
// batch outlived its lease cannot move the checkpoint once the new holder has loaded it.
//
// # Several processes: balanced leases and partitions
//
// With a [Balancer] ([WithBalancer]), the runners of several processes spread their leases so
// that each live process holds its share, within one: members beat in a [Membership] (the memory
// and Bun stores keep one beside their leases), each computes its share from the live members,
// a standby tries its lease only below its share, and an active runner above it hands its lease
// over between two batches. When a process dies, the others take its leases once its heartbeat
// has expired. [WithPartitions] splits a projection by aggregate id ([PartitionOf]: FNV-1a 32-bit
// of the id, modulo the number of partitions) into runners named [PartitionName] (name#i/n), each
// with its own checkpoint and lease, balanced like projections; an aggregate's events stay in
// order in one partition. A partition reads only its own events where the event store is a
// [PartitionReader].
//
// # The read horizon
//
// On PostgreSQL a reader sees only events below the read horizon: events committed after a
// transaction that is still open stay hidden until it ends. A runner that has read everything
// readable while more events are stored waits there, says so once in its log
// (projection_held_at_horizon) and in [Status.HeldAtHorizon], and never skips past them.
//
// # Versions and replay mode
//
// A projection given a version ([WithVersion], or [Config.Versions] by name) keeps the records
// of versions in its checkpoint store: each version's checkpoint ([CheckpointName]), its
// live-from position and the active version ([SplitCheckpointName] reads their keys). A version
// above the active one catches up beside it in replay mode and takes over once at most
// [Config.SwitchLag] events are left (it looks every 100 ms, and after each batch that applied
// all it could read), at a handoff position both versions agree on through the
// checkpoint store, so that the old version, in any process, applies the events up to it and
// stops ([RoleSuperseded]). The handler learns its version ([VersionFrom]) and whether the event
// is replayed or live ([IsReplay]), so that it writes a read model of its own and fires side
// effects for live events only.
//
// # Configuration
//
// The options map onto the keys under pyfly.eventsourcing.projection: batch-size
// ([WithBatchSize]), poll-interval ([WithPollInterval]), start-from ([ParseStartFrom],
// [WithStartFrom]), lease-ttl ([WithLeaseTTL]), retry-initial and retry-max ([WithRetry]),
// dead-letter-after ([WithDeadLetters]), dead-letter-policy ([WithDeadLetterPolicy]:
// es.DeadLetterPark, es.DeadLetterParkAggregate, es.DeadLetterPause or es.DeadLetterRetry),
// versions.<name> ([WithVersion]), switch-lag ([WithSwitchLag]), partitions ([WithPartitions]),
// and checkpoint.provider and checkpoint.url for the checkpoint store ([WithCheckpoints]) and its
// lease ([WithLease]); balance gives the runners of the Fx module a [Balancer].
package projection
