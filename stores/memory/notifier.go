package memory

import (
	"context"
	"sync"
	"sync/atomic"
)

// notifier fans commit signals out to subscribers: each has a channel with room for one
// signal, so a burst of commits coalesces into one wake-up and a slow reader never blocks a
// writer.
type notifier struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
	n    atomic.Int64 // len(subs), read without mu: a commit with no subscriber takes no lock
}

// subscribe returns a channel that receives after commits, closed when ctx ends.
func (n *notifier) subscribe(ctx context.Context) <-chan struct{} {
	c := make(chan struct{}, 1)
	n.mu.Lock()
	if n.subs == nil {
		n.subs = map[chan struct{}]struct{}{}
	}
	n.subs[c] = struct{}{}
	n.n.Store(int64(len(n.subs)))
	n.mu.Unlock()
	context.AfterFunc(ctx, func() {
		n.mu.Lock()
		delete(n.subs, c)
		n.n.Store(int64(len(n.subs)))
		n.mu.Unlock()
		close(c)
	})
	return c
}

// signal wakes every subscriber that is not already due to wake. A subscriber that comes after
// a commit found none reads the store after subscribing, so it sees that commit.
func (n *notifier) signal() {
	if n.n.Load() == 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for c := range n.subs {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}
