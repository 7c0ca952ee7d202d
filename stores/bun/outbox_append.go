package bunstore

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

var _ outbox.AppendEnqueuer = (*OutboxStore)(nil)

// appendRecords is what [OutboxStore.EnqueueWithAppend] puts into a context: a request that the
// next append of an event store on the same database write its events' outbox records with them.
type appendRecords struct {
	store    *OutboxStore
	outbox   string
	eventIDs []string  // the ids of the events whose append is to write the records
	at       time.Time // the enqueue time, as stored
	done     atomic.Bool
}

// appendRecordsKey is the context key of an *appendRecords.
type appendRecordsKey struct{}

// EnqueueWithAppend implements [outbox.AppendEnqueuer]: when via is s, it returns ctx carrying a
// request that the [EventStore.Append] of events (the same event ids, in order) on the store's database, in a
// transaction of [InTx] there, write their outbox records of outbox name (enqueued at at) in the
// append's own statement, as Enqueue would write them, global positions included: a save then
// costs one round trip less. The function returned reports whether an append did; when it did
// not, enqueue the events as usual (Enqueue skips records already stored). Appends do so on
// PostgreSQL with the default payload format, up to the batch size from which they copy the
// events in (COPY); never outside a transaction, on SQLite, or for a retry of events already
// stored; an append of other events (a decorator's own, say) leaves the request alone. Through
// another via (a type embedding s with an Enqueue of its own), or with an invalid name or time,
// it makes no request, so that the caller's Enqueue runs (and reports the mistake).
func (s *OutboxStore) EnqueueWithAppend(ctx context.Context, via outbox.Store, name string, events []es.Envelope, at time.Time) (context.Context, func() bool) {
	if own, ok := via.(*OutboxStore); !ok || own != s || s.dl.name() != DialectPostgres || len(events) == 0 ||
		storekit.ValidateEnqueueTarget(name, at) != nil {
		return ctx, never
	}
	ids := make([]string, len(events))
	for i := range events {
		ids[i] = events[i].EventID
	}
	r := &appendRecords{store: s, outbox: name, eventIDs: ids, at: storekit.StoredTime(at)}
	return context.WithValue(ctx, appendRecordsKey{}, r), r.done.Load
}

// never is the answer of a request that was not made.
func never() bool { return false }

// recordsFor returns the request in ctx to write outbox records with the append of b in st, when
// this store can: st is a transaction on the store's database, which the request's outbox store
// shares, the payload and metadata columns hold what Enqueue writes (not pyfly's format), and b
// holds the request's events.
func (s *EventStore) recordsFor(ctx context.Context, st *txState, b *batch) *appendRecords {
	r, _ := ctx.Value(appendRecordsKey{}).(*appendRecords)
	if r == nil || st == nil || r.store.db != s.db || s.format == PayloadPyfly || r.done.Load() ||
		!slices.Equal(r.eventIDs, b.eventIDs) {
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
