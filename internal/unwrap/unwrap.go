// Package unwrap looks through decorators for a capability: a store wrapped by layers that each
// offer Unwrap() returning the layer below.
package unwrap

import "github.com/gofly/eventsourcing/internal/check"

// maxDepth bounds the walk, in case a decorator unwraps to itself.
const maxDepth = 32

// Find returns the first layer of v, v itself first, that implements T, looking through layers
// that offer Unwrap() S; false when none does (a nil layer ends the walk).
func Find[T, S any](v S) (T, bool) {
	var zero T
	for range maxDepth {
		if check.IsNil(v) {
			return zero, false
		}
		if c, ok := any(v).(T); ok {
			return c, true
		}
		u, ok := any(v).(interface{ Unwrap() S })
		if !ok {
			return zero, false
		}
		v = u.Unwrap()
	}
	return zero, false
}
