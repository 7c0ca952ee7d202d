package bunstore

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

var _ outbox.AppendEnqueuer = (*OutboxStore)(nil)

// appendRecords is what [OutboxStore.EnqueueWithAppend] puts into a context: a request that the
// next append of an event store on the same database write its events' outbox records with them.
type appendRecords struct {
	store  *OutboxStore
	outbox string
	at     time.Time // the enqueue time, as stored
	done   atomic.Bool
}

// appendRecordsKey is the context key of an *appendRecords.
type appendRecordsKey struct{}

// EnqueueWithAppend implements [outbox.AppendEnqueuer]: it returns ctx carrying a request that
// the next [EventStore.Append] on the store's database, in a transaction of [InTx] there, write
// the outbox records of outbox name for its events (enqueued at at) in the append's own
// statement, as Enqueue would write them, global positions included: a save then costs one round
// trip less. The function returned reports whether an append did; when it did not, enqueue the
// events as usual (Enqueue skips records already stored). Appends do so on PostgreSQL with the
// default payload format, up to the batch size from which they copy the events in (COPY); never
// outside a transaction, on SQLite, or for a retry of events already stored. An invalid name or
// time makes no request, so that Enqueue reports it.
func (s *OutboxStore) EnqueueWithAppend(ctx context.Context, name string, at time.Time) (context.Context, func() bool) {
	if s.dl.name() != DialectPostgres || storekit.ValidateEnqueueTarget(name, at) != nil {
		return ctx, never
	}
	r := &appendRecords{store: s, outbox: name, at: storekit.StoredTime(at)}
	return context.WithValue(ctx, appendRecordsKey{}, r), r.done.Load
}

// never is the answer of a request that was not made.
func never() bool { return false }

// recordsFor returns the request in ctx to write outbox records with an append in st, when this
// store can: st is a transaction on the store's database, which the request's outbox store
// shares, and the payload and metadata columns hold what Enqueue writes (not pyfly's format).
func (s *EventStore) recordsFor(ctx context.Context, st *txState) *appendRecords {
	r, _ := ctx.Value(appendRecordsKey{}).(*appendRecords)
	if r == nil || st == nil || r.store.db != s.db || s.format == PayloadPyfly || r.done.Load() {
		return nil
	}
	return r
}

// written records that an append in st wrote the records: its commit wakes the outbox's relays,
// as an Enqueue's would.
func (r *appendRecords) written(st *txState) {
	r.done.Store(true)
	r.store.commits.afterCommit(st)
}
