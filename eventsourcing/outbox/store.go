package outbox

import (
	"context"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// Store keeps outbox records: memory.OutboxStore and the Bun outbox store implement it, and
// testkit.RunOutboxStoreSuite checks an implementation. Every method takes the outbox's name;
// outboxes with different names share a store without seeing each other's records.
//
// Times are given by the caller (the relay's clock) and kept to the microsecond in UTC. A store
// that also implements [es.CommitNotifier] wakes relays after records commit. Every store checks
// each method's arguments the same way, with the matching storekit.Validate* function, before it
// touches anything: bad input is an error matching es.ErrInvalidArgument.
type Store interface {
	// JoinsTx reports whether the store writes through the transaction ctx carries (see
	// [es.TxJoiner]).
	JoinsTx(ctx context.Context) bool

	// Enqueue adds one record per event, due at once, in the transaction ctx carries when the
	// store joins it, else in a transaction of its own: all or none. An event whose id is
	// already in the outbox (delivered, pending or dead) is left as it is, so enqueueing again
	// after an unknown outcome is safe. at is the records' CreatedAt.
	Enqueue(ctx context.Context, outbox string, events []es.Envelope, at time.Time) error

	// Claim takes up to req.Limit due records for req.Owner until req.Until, in enqueue order,
	// and returns them with Attempts already counting this claim; records it does not return
	// are left as they were. A record is live when it is neither delivered nor dead, and due
	// when it is live, its NextAttemptAt is not after req.Now and it is not claimed (or its
	// claim expired at or before req.Now). The head of an aggregate is its earliest live record.
	// Of each aggregate the claim takes a run: its head when that is due, and the due records
	// right after it, up to req.PerAggregate records and stopping at the first live record that
	// is not due. Concurrent claims, from any number of processes, never return the same record
	// while its claim lasts, and never take records of an aggregate whose head another holds.
	//
	// A record the store cannot decode (written by another program, or by hand) is not
	// returned: it becomes a dead letter whose LastError says why, without an attempt charged,
	// and the claim goes on with the other aggregates. With req.HoldBehindDead, records behind a
	// dead one of their aggregate are neither claimed nor a head.
	Claim(ctx context.Context, req ClaimRequest) ([]Record, error)

	// MarkDelivered records the delivery of each claimed record whose claim is still current
	// and returns how many it marked.
	MarkDelivered(ctx context.Context, outbox string, claims []Claim, at time.Time) (int, error)

	// MarkFailed records a failed attempt of a claimed record whose claim is still current:
	// the error, when it is due again, and whether it is now a dead letter. It reports whether
	// the claim was current.
	MarkFailed(ctx context.Context, outbox string, claim Claim, f Failure) (bool, error)

	// Release gives back claimed records whose claims are still current without an attempt:
	// they are due at once, and their Attempts drop by one.
	Release(ctx context.Context, outbox string, claims []Claim) error

	// Pending lists up to limit records that are neither delivered nor dead (claimed or not),
	// in enqueue order.
	Pending(ctx context.Context, outbox string, limit int) ([]Record, error)

	// DeadLetters lists up to limit dead letters, the most recently failed first.
	DeadLetters(ctx context.Context, outbox string, limit int) ([]Record, error)

	// Retry brings the dead letter id back: not dead, no attempts, due at once (keeping its
	// last error). Without such a dead letter it returns an error matching [ErrNoDeadLetter].
	Retry(ctx context.Context, outbox, id string) error

	// Prune deletes up to limit records delivered before the given time and returns how many.
	Prune(ctx context.Context, outbox string, deliveredBefore time.Time, limit int) (int, error)
}

// ClaimRequest asks a [Store] for due records.
type ClaimRequest struct {
	// Outbox is the outbox's name.
	Outbox string
	// Owner is who holds the claims.
	Owner string
	// Limit is the most records to return, 1 or more.
	Limit int
	// PerAggregate is the most records of one aggregate to return, from its head on, at most
	// [MaxBatchSize]; 0 or 1 takes each aggregate's head alone.
	PerAggregate int
	// HoldBehindDead makes a dead letter hold back the later records of its aggregate (the
	// dead-letter policy es.DeadLetterParkAggregate): the claim takes no record that has a
	// dead record of its aggregate before it in enqueue order. Such records stay pending until
	// the dead letter is retried and delivered, or skipped.
	HoldBehindDead bool
	// Now is the relay's clock: what is due and which claims expired are judged by it.
	Now time.Time
	// Until is when the claims expire.
	Until time.Time
}

// Failure is the outcome of a failed attempt, for [Store.MarkFailed].
type Failure struct {
	// Error is the attempt's error text.
	Error string
	// At is when the attempt failed.
	At time.Time
	// NextAttemptAt is when the record is due again (ignored when Dead).
	NextAttemptAt time.Time
	// Dead makes the record a dead letter.
	Dead bool
}

// AppendEnqueuer is an optional interface of a [Store] whose records an event store can write in
// the append's own statement (the Bun store on PostgreSQL). EnqueueWithAppend returns ctx carrying
// that request for the outbox name, the events about to be appended (an append of other events
// leaves it alone) and the enqueue time at, and a function that reports, after the append,
// whether the append wrote them; when it did not, the caller enqueues the events as usual.
// [Outbox.EnqueueWithAppend] uses it; repositories built with [es.WithOutbox] call that around
// their appends.
//
// via is the Store the caller would otherwise enqueue through. An implementation makes the
// request only when via is itself, so that a type embedding it to change Enqueue (a test's
// failing store, say) still has its Enqueue called. A Store that wraps another and enqueues
// exactly as it does may forward the call with the wrapped store as via.
type AppendEnqueuer interface {
	EnqueueWithAppend(ctx context.Context, via Store, name string, events []es.Envelope, at time.Time) (context.Context, func() bool)
}

// DeliveredDeleter is an optional interface of a [Store] that can delete a delivered record at
// once instead of marking it (the memory and Bun stores). The relays of an outbox that keeps no
// delivered records ([WithRetention] 0) call DeleteDelivered where they would call
// [Store.MarkDelivered], and then have nothing to prune: one write a record less. On PostgreSQL
// a delete writes less than the update that marks the record (its row version and the index
// entries of the new version), see the README's outbox figures.
//
// DeleteDelivered deletes each claimed record whose claim is still current (the records
// MarkDelivered would mark) and returns how many it deleted. A deleted record is gone as a
// pruned one is: its event can be enqueued again, as a new record. A Store that wraps or embeds
// another to change MarkDelivered should implement DeleteDelivered the same way.
type DeliveredDeleter interface {
	DeleteDelivered(ctx context.Context, outbox string, claims []Claim) (int, error)
}
