package outbox

import (
	"context"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/unwrap"
)

// streamWakeGap is the shortest time between two wake-ups of a [Stream] by commit signals: the
// first commit after a quiet spell wakes it at once, and under a stream of commits the signals
// that come within the gap wake it once, so that one read takes what committed meanwhile instead
// of costing a read and a round per commit.
const streamWakeGap = time.Millisecond

// gatheringStore is the event store a Stream's runner reads: the store itself, whose commit
// signals it passes on at most once every gap. Its other capabilities are the store's, through
// Unwrap.
type gatheringStore struct {
	es.EventStore
	notifier es.CommitNotifier
	gap      time.Duration
}

// gathering returns store with its commit signals gathered, or store itself when it signals no
// commits.
func gathering(store es.EventStore, gap time.Duration) es.EventStore {
	n, ok := unwrap.Find[es.CommitNotifier](store)
	if !ok {
		return store
	}
	return gatheringStore{EventStore: store, notifier: n, gap: gap}
}

// Unwrap returns the store.
func (g gatheringStore) Unwrap() es.EventStore { return g.EventStore }

// CommitNotifications implements es.CommitNotifier: the store's signals, at most one every gap.
func (g gatheringStore) CommitNotifications(ctx context.Context) <-chan struct{} {
	in := g.notifier.CommitNotifications(ctx)
	out := make(chan struct{}, 1)
	go func() {
		defer close(out)
		var last time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-in:
				if !ok {
					return
				}
			}
			if wait := g.gap - time.Since(last); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
				select { // a signal that came meanwhile is covered by this one
				case _, ok := <-in:
					if !ok {
						in = nil
					}
				default:
				}
			}
			last = time.Now()
			select {
			case out <- struct{}{}:
			default:
			}
			if in == nil {
				return
			}
		}
	}()
	return out
}
