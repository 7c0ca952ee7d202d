package projection

import (
	"context"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/unwrap"
)

// headPositioner is implemented by stores whose readers can lag behind what is stored (the
// PostgreSQL read horizon): HeadPosition is the highest position stored, readable or not yet.
type headPositioner interface {
	HeadPosition(ctx context.Context) (int64, error)
}

// volatile is implemented by stores that keep nothing across restarts (the memory event store).
type volatile interface {
	Volatile() bool
}

// capability returns the first layer of store, looking through decorators that offer
// Unwrap() es.EventStore, that implements T.
func capability[T any](store es.EventStore) (T, bool) { return unwrap.Find[T](store) }

// isVolatile reports whether store (or a store it wraps) says it keeps nothing across restarts.
func isVolatile(store es.EventStore) bool {
	v, ok := capability[volatile](store)
	return ok && v.Volatile()
}
