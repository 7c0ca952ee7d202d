package outbox

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// lazyCheckpoints is a projection.CheckpointStore in front of a durable one that stores moves
// at most every interval: the runner's moves change the position in memory, and the latest one
// reaches the store interval after the first that is not stored yet (or at the next move after
// that, or at flush). It runs no transactions, so a runner over it publishes at least once and
// writes nothing per batch. A stored move the store refuses (the checkpoint was reset, or a
// newer lease holder fenced this runner out) makes the next Move report false, so the runner
// loads the checkpoint again.
type lazyCheckpoints struct {
	inner    projection.CheckpointStore
	interval time.Duration
	logger   *slog.Logger

	mu    sync.Mutex // held across the store's calls: one write at a time
	state map[string]*lazyPosition
	timer *time.Timer // the pending flush, nil when none
}

// lazyPosition is one projection's position: stored is what the store holds as far as this
// store knows, current what the runner reached, fence the runner's lease token.
type lazyPosition struct {
	stored, current, fence int64
	refused                bool // the store refused the last write: the next Move reports false
	since                  time.Time
}

var _ projection.CheckpointStore = (*lazyCheckpoints)(nil)

func newLazyCheckpoints(inner projection.CheckpointStore, interval time.Duration, logger *slog.Logger) *lazyCheckpoints {
	return &lazyCheckpoints{inner: inner, interval: interval, logger: logger, state: map[string]*lazyPosition{}}
}

// Load stores the pending move of name first, then loads from the store.
func (l *lazyCheckpoints) Load(ctx context.Context, name string, initial, fence int64) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked(ctx, name)
	pos, err := l.inner.Load(ctx, name, initial, fence)
	if err != nil {
		delete(l.state, name)
		return 0, err
	}
	l.state[name] = &lazyPosition{stored: pos, current: pos, fence: fence}
	return pos, nil
}

// Position reports the position the runner reached while a move of it is pending, else the
// store's: a runner that is caught up (nothing pending) then sees a reset made past this store
// (by an operator, or another process) and loads the checkpoint again.
func (l *lazyCheckpoints) Position(ctx context.Context, name string) (int64, bool, error) {
	l.mu.Lock()
	p := l.state[name]
	if p != nil && !p.refused && p.current != p.stored {
		defer l.mu.Unlock()
		return p.current, true, nil
	}
	l.mu.Unlock()
	return l.inner.Position(ctx, name)
}

// Move moves the position in memory and stores it when the last store is interval old.
func (l *lazyCheckpoints) Move(ctx context.Context, name string, expected, next, fence int64) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.state[name]
	if p == nil || p.refused || p.current != expected {
		// Nothing known, or known to be stale: let the store judge the move.
		delete(l.state, name)
		ok, err := l.inner.Move(ctx, name, expected, next, fence)
		if ok && err == nil {
			l.state[name] = &lazyPosition{stored: next, current: next, fence: fence}
		}
		return ok, err
	}
	if p.current == p.stored {
		p.since = time.Now()
	}
	p.current, p.fence = next, fence
	if time.Since(p.since) >= l.interval {
		l.flushLocked(ctx, name)
		if p.refused {
			delete(l.state, name)
			return false, nil
		}
		return true, nil
	}
	if l.timer == nil {
		l.timer = time.AfterFunc(l.interval, l.flushDue)
	}
	return true, nil
}

// Reset stores the pending move first, then resets through the store.
func (l *lazyCheckpoints) Reset(ctx context.Context, name string, position int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.state, name)
	return l.inner.Reset(ctx, name, position)
}

// flushDue stores every pending move, from the timer.
func (l *lazyCheckpoints) flushDue() {
	ctx, cancel := context.WithTimeout(context.Background(), max(10*l.interval, 10*time.Second))
	defer cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.timer = nil
	for name := range l.state {
		l.flushLocked(ctx, name)
	}
}

// flush stores every pending move now.
func (l *lazyCheckpoints) flush(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	var first error
	for name := range l.state {
		if err := l.flushLocked(ctx, name); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// flushLocked stores name's pending move. A refused move marks the position refused; an error
// leaves it pending (the next flush tries again) and is logged.
func (l *lazyCheckpoints) flushLocked(ctx context.Context, name string) error {
	p := l.state[name]
	if p == nil || p.refused || p.current == p.stored {
		return nil
	}
	ok, err := l.inner.Move(ctx, name, p.stored, p.current, p.fence)
	if err != nil {
		l.logger.WarnContext(ctx, "outbox: storing the stream's position failed; it is tried again",
			"projection", name, "position", p.current, "error", err)
		if l.timer == nil {
			l.timer = time.AfterFunc(l.interval, l.flushDue)
		}
		return err
	}
	if !ok {
		p.refused = true
		return nil
	}
	p.stored = p.current
	return nil
}
