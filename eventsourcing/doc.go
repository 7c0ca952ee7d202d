// Package eventsourcing is the core of gofly event sourcing: events and their envelopes, the
// aggregate root, the repository that saves and loads aggregates, the store interfaces, snapshots,
// upcasters and the errors they return. It imports no database, broker or DI framework; stores
// live in stores/memory and stores/bun, the Fx module in the root package.
//
// # Aggregates
//
// An aggregate is a struct that embeds [AggregateRoot]. Handlers are registered with [When] in
// its constructor, or written as methods named On<EventType>:
//
//	type Order struct {
//		es.AggregateRoot
//		Amount  int
//		Shipped bool
//	}
//
//	func NewOrder() *Order {
//		o := &Order{}
//		es.When(o, func(e OrderPlaced) { o.Amount = e.Amount })
//		return o
//	}
//
//	func (o *Order) OnOrderShipped(e OrderShipped) { o.Shipped = true }
//
// Dispatch tries a When handler, then an On<EventType> method, and otherwise fails loudly with
// [ErrNoHandler]: a missing handler would silently corrupt rebuilt state. Events are stored as JSON
// and decoded into the handler's parameter type on replay, so they must survive a JSON round trip
// (exported fields, or their own MarshalJSON/UnmarshalJSON).
//
// # Saving and loading
//
// [NewRepository] builds a [Repository] over an [EventStore]. Save appends the pending events with
// optimistic concurrency (expected version = Version − len(pending)) and takes a snapshot when the
// batch crosses a multiple of the snapshot interval; Load restores the newest snapshot and replays
// the events after it, validating each envelope.
//
// # Transactions
//
// Every store of this module runs transactions ([Transactor]): the repository writes the events,
// the snapshot (when the snapshot store joins, see [TxJoiner]) and the outbox records
// ([WithOutbox]) in one, all or nothing. A decorator around a store keeps this when it forwards
// InTx or offers Unwrap() EventStore; otherwise give the repository [WithTransactor]. A Save in a
// transaction of the caller's leaves the events pending again when that transaction rolls back,
// through the store's [TxEndNotifier]: a decorator that forwards InTx forwards OnTxEnd too.
//
// # Errors
//
// [ErrConcurrency] (a [*ConcurrencyError]): another writer got there first; load again and rerun
// the command. [ErrOutcomeUnknown]: the write may or may not have committed; save again with the
// same aggregate, whose events keep their ids, and the store recognises events it already holds.
// [ErrInvalidArgument]: bad input, named in the message, nothing written. [ErrNoHandler],
// [ErrInvalidHandler], [ErrDecode], [ErrEnvelopeMismatch] and [ErrAggregateNotFound] report an
// aggregate that cannot be rebuilt, and why.
//
// # Context
//
// [WithMetadata], [WithCorrelationID], [WithCausationID] and [WithTenantID] put values on the
// context that every envelope saved under it carries.
package eventsourcing
