// Package outbox is the transactional outbox: saved events are written to an outbox store in the
// same transaction as the events themselves, and a relay publishes them to a broker at least once.
//
// An outbox is built over a [Store] and a [PublishFunc], started, and given events:
//
//	ob, err := outbox.New(store, publisher.Publish, outbox.WithMaxAttempts(5))
//	err = ob.Start(ctx)
//	err = ob.Enqueue(ctx, envelope)
//	defer ob.Stop(ctx)
//
// Most events reach it through a repository: one built with es.WithOutbox(ob) enqueues every event
// it saves inside the append's transaction, so a record exists exactly when the business
// transaction commits. The store must
// write through that transaction: memory.OutboxStore joins memory units of work, the Bun outbox
// store joins bunstore.InTx on the same *bun.DB.
//
// # Delivery
//
// Between [Outbox.Start] and [Outbox.Stop], relay goroutines claim batches of due records, publish
// each through the publish function (typically (*eda.Publisher).Publish, whose messages carry the
// event id as their id, so consumers and brokers can de-duplicate, and the event's global position
// when the event store gave it one at append) and mark them delivered. A batch holds a run of
// each aggregate: its earliest undelivered record and the records right after it (up to
// [WithBatchSize]), published one after the other and marked delivered together, so ten events
// saved in one transaction cost one claim and one mark, not ten.
//
//   - At least once: a record is marked delivered only after its publish returned nil; a relay
//     that dies between the two publishes it again later (another relay takes it over once its
//     claim times out), the rest of its run with it.
//   - In order per aggregate: a record is never claimed while an earlier record of the same
//     aggregate (by enqueue order) is undelivered and not dead and not in the same claim; a
//     failed publish ends its aggregate's run, and the records after it are given back untried
//     (no attempt charged) to wait behind it.
//   - One holder at a time: several relays, in one process or many, never hold the same record
//     at once. A claim lasts [WithClaimTimeout]; a relay starts a publish only when it can end
//     (within [WithPublishTimeout]) before its claim does.
//   - Failures back off exponentially ([WithBackoff], 1 s doubling to 30 s by default); so
//     does a publish that timed out, once its publish function returned. One that has not
//     returned keeps its record claimed (nothing of its aggregate is published meanwhile) until
//     it returns or the claim nearly ends; in the latter case the record is due again no sooner
//     than the claim's end (see [Config].PublishTimeout). After [WithMaxAttempts] attempts (5
//     by default) a record becomes a dead letter with its last error and attempt count:
//     [Outbox.DeadLetters] lists them, [Outbox.Retry] brings one back.
//     [Outbox.RetryAll] brings every one back, [Outbox.Skip] gives one up for good. Under the
//     default dead-letter policy, es.DeadLetterPark, a dead letter no longer holds back the
//     later records of its aggregate; [WithDeadLetterPolicy] chooses es.DeadLetterParkAggregate
//     (it holds them back, pending, until it is retried and delivered or skipped),
//     es.DeadLetterPause (nothing is published while a dead letter is left) or
//     es.DeadLetterRetry (no record becomes one). A record the store cannot decode (written by
//     another program) becomes a dead letter at once, with the decode error.
//   - Delivered records are kept for [WithRetention], then pruned; with a retention of 0 a store
//     that is a [DeliveredDeleter] deletes each one as it is delivered.
//
// Relays poll every [WithPollInterval], and wake when the store signals commits
// ([es.CommitNotifier]) or when this outbox enqueued records outside a transaction: at once after
// a quiet spell, and under a stream of commits at most every 2 ms, so that a round gathers what
// committed meanwhile instead of costing a claim and a mark per commit.
//
// Several outboxes with different names ([WithName]) share one store and deliver apart.
//
// # Crashes
//
// A record is written by the business transaction that saves its events, so a crash can neither
// lose a record whose transaction committed nor leave one whose transaction rolled back. The
// relay's own bookkeeping (claims, delivered marks, failures) may commit without waiting for the
// disk (the Bun store on PostgreSQL does so); a crash can then lose the last of it, and the lost
// part only repeats work: a lost claim makes its records due again, a lost delivered mark
// publishes its records again, a lost failure forgets an attempt and its back-off. A crash (of
// the database or of a relay in the middle of a run) can therefore publish a record again, never
// lose one nor publish one of a rolled-back transaction; the first publications of an
// aggregate's records stay in order, and a repeated one may come after records that followed
// it. Consumers de-duplicate on the event id (NATS JetStream does so on the message id).
//
// # The outbox without records
//
// An event store's events are committed exactly with their transaction and numbered in a global
// order, so the events themselves can serve as the outbox. [Stream] publishes every event of a
// store's global stream, whoever appended it, in global order, through the same [PublishFunc]:
//
//	st, err := outbox.NewStream(store, publisher.Publish, outbox.StreamConfig{
//		Checkpoints: checkpoints, Lease: lease, DeadLetters: deadLetters})
//	err = st.Start(ctx)
//	defer st.Stop(ctx)
//
// Saves then write nothing but the events; the stream is a projection runner named
// [StreamName] whose position is stored every [StreamConfig].CheckpointInterval (100 ms by
// default) and at Stop, so a crash publishes again at most what went out since the last stored
// position, and loses nothing. A lease elects one publishing stream per outbox name across
// processes. A failed publish holds back the events after it while it is retried; after
// MaxAttempts the dead-letter policy applies, with the projection's dead-letter store. A publish
// that does not return when its context ends at the publish timeout holds the stream back until
// it does (a retry never overlaps it, so order holds); the stream logs a warning naming the event
// once it is at least a second past the timeout, and again each timeout and second after. Use
// [Outbox] instead when only some events, or messages that are not stored events, are to be
// published, or when several relays should publish one outbox side by side.
package outbox
