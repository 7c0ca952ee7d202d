package projection

import (
	"context"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// prefetch is the read of the next page, started while the current full page is applied, so
// the read and the batch's transaction overlap.
type prefetch struct {
	after  int64
	limit  int
	cancel context.CancelFunc
	done   chan struct{}
	events []es.Envelope
	err    error
}

// startPrefetch reads the page after position in the background.
func (r *Runner) startPrefetch(ctx context.Context, l *loopState, after int64, limit int) {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetch{after: after, limit: limit, cancel: cancel, done: make(chan struct{})}
	l.next = p
	go func() {
		defer close(p.done)
		p.events, p.err = r.store.ReadAll(ctx, after, limit)
	}()
}

// read returns the page of at most limit events after l.position: the prefetched one when it is
// that page and was read without error, else a fresh read.
func (r *Runner) read(ctx context.Context, l *loopState, limit int) ([]es.Envelope, error) {
	if p := l.next; p != nil {
		l.next = nil
		if p.after == l.position && p.limit == limit {
			<-p.done
			p.cancel()
			if p.err == nil {
				return p.events, nil
			}
		} else {
			p.cancel()
			<-p.done
		}
	}
	return r.store.ReadAll(ctx, l.position, limit)
}

// dropPrefetch abandons the read in flight, if any, and waits for it to end.
func (r *Runner) dropPrefetch(l *loopState) {
	if p := l.next; p != nil {
		l.next = nil
		p.cancel()
		<-p.done
	}
}
