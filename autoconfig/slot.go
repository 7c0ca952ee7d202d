package autoconfig

import (
	"sync"
	"sync/atomic"
)

// slot holds the store a forwarding store hands its calls to: empty until its database opens,
// then the store, then stopped once the database closes. Reading it is one atomic load.
type slot[T any] struct {
	state      atomic.Pointer[slotState[T]]
	notStarted error
	stopped    error

	changeOnce sync.Once
	changed    chan struct{} // closed when the slot is first set or stopped
}

type slotState[T any] struct {
	store   T
	stopped bool
}

func newSlot[T any](store string) *slot[T] {
	return &slot[T]{notStarted: notStarted(store), stopped: stopped(store), changed: make(chan struct{})}
}

// get returns the store, or an error matching ErrNotStarted or ErrStopped.
func (s *slot[T]) get() (T, error) {
	st := s.state.Load()
	var zero T
	switch {
	case st == nil:
		return zero, s.notStarted
	case st.stopped:
		return zero, s.stopped
	}
	return st.store, nil
}

// set binds the store.
func (s *slot[T]) set(store T) {
	s.state.Store(&slotState[T]{store: store})
	s.changeOnce.Do(func() { close(s.changed) })
}

// stop unbinds the store for good.
func (s *slot[T]) stop() {
	s.state.Store(&slotState[T]{stopped: true})
	s.changeOnce.Do(func() { close(s.changed) })
}
