package projection

import (
	"context"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
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
func capability[T any](store es.EventStore) (T, bool) {
	for range 32 { // a bound, in case a decorator unwraps to itself
		if check.IsNil(store) {
			break
		}
		if c, ok := store.(T); ok {
			return c, true
		}
		u, ok := store.(interface{ Unwrap() es.EventStore })
		if !ok {
			break
		}
		store = u.Unwrap()
	}
	var zero T
	return zero, false
}

// isVolatile reports whether store (or a store it wraps) says it keeps nothing across restarts.
func isVolatile(store es.EventStore) bool {
	v, ok := capability[volatile](store)
	return ok && v.Volatile()
}
