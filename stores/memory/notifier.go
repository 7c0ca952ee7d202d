package memory

import (
	"context"
	"sync"
)

// notifier fans commit signals out to subscribers: each has a channel with room for one
// signal, so a burst of commits coalesces into one wake-up and a slow reader never blocks a
// writer.
type notifier struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

// subscribe returns a channel that receives after commits, closed when ctx ends.
func (n *notifier) subscribe(ctx context.Context) <-chan struct{} {
	c := make(chan struct{}, 1)
	n.mu.Lock()
	if n.subs == nil {
		n.subs = map[chan struct{}]struct{}{}
	}
	n.subs[c] = struct{}{}
	n.mu.Unlock()
	context.AfterFunc(ctx, func() {
		n.mu.Lock()
		delete(n.subs, c)
		n.mu.Unlock()
		close(c)
	})
	return c
}

// signal wakes every subscriber that is not already due to wake.
func (n *notifier) signal() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for c := range n.subs {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}
