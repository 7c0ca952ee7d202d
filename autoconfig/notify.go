package autoconfig

import (
	"context"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// forwardNotifications returns the commit signals of the store in sl. Called before start, it
// returns a channel that forwards them once the database is open. When the store sends none (or
// the database has closed), the channel only closes when ctx ends and readers rely on polling.
func forwardNotifications[T any](ctx context.Context, sl *slot[T]) <-chan struct{} {
	if st := sl.state.Load(); st != nil {
		return notificationsOf(ctx, st.store)
	}
	out := make(chan struct{}, 1)
	go func() {
		defer close(out)
		select {
		case <-sl.changed:
		case <-ctx.Done():
			return
		}
		in := notificationsOf(ctx, sl.state.Load().store)
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- struct{}{}:
				default: // a signal is already pending: coalesce
				}
			}
		}
	}()
	return out
}

// notificationsOf returns st's commit signals, or, when st sends none (nil included), a channel
// that closes when ctx ends.
func notificationsOf(ctx context.Context, st any) <-chan struct{} {
	if n, ok := st.(es.CommitNotifier); ok {
		return n.CommitNotifications(ctx)
	}
	c := make(chan struct{})
	context.AfterFunc(ctx, func() { close(c) })
	return c
}
