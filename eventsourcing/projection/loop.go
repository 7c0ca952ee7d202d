package projection

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofly/eventsourcing/internal/backoff"
)

// loopState is what one run of the loop keeps; only the loop's goroutine touches it.
type loopState struct {
	initial     int64 // where a missing checkpoint is created
	position    int64 // the stored checkpoint, as of the last load or move
	known       bool  // position is trusted; false makes the next round load it
	resets      int64 // the Reset count the position reflects
	narrowUntil int64 // after a failed commit: read one event at a time up to here

	lease     leaseHold
	standby   standbyNote // what standing by logged last
	freeSince time.Time   // with a balancer, above its share: since when the lease was seen free

	failing  int64 // position of the event a handler fails on, 0 when none
	attempts int   // failures on it
	failures int   // consecutive failures of the stores

	pace pace // what the last batch cost, which sizes a catch-up's commits

	horizon horizonWatch

	retriesDue time.Time // when to look for retry requests next

	holds holdState // what the dead-letter policy holds back
}

// loop runs rounds until Stop or ctx's end, waiting between them when a round says so.
func (r *Runner) loop(ctx context.Context, initial int64) {
	stop := r.stopRequested()
	l := &loopState{initial: initial, resets: r.resets.Load()}
	var wake <-chan struct{}
	if r.notifier != nil {
		wake = r.notifier.CommitNotifications(ctx)
	}
	defer r.joinBalance(ctx, l)()
	defer r.releaseLease(ctx, l)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		d, wakeable := r.round(ctx, l)
		if r.ver.finished {
			return
		}
		if d <= 0 {
			continue
		}
		var commits <-chan struct{}
		if wakeable {
			commits = wake
		}
		closed, ended := r.wait(ctx, l, stop, timer, d, commits)
		if ended {
			return
		}
		if closed {
			wake = nil
		}
	}
}

// wait waits d before the next round, or less: until stop or ctx's end (ended is true), a commit
// signal on commits (closed is true when commits was closed) or a Reset. While the runner holds
// a lease, it wakes when the lease is due for renewal and extends it, then waits the rest of d:
// a renewal neither ends the wait (a back-off lasts its full length) nor starts it over. A lease
// lost meanwhile ends the wait, so that the next round stands by.
func (r *Runner) wait(ctx context.Context, l *loopState, stop <-chan struct{}, timer *time.Timer, d time.Duration,
	commits <-chan struct{}) (closed, ended bool) {
	end := time.Now().Add(d)
	for {
		next, renew := end, false
		if r.renewing(l) && l.lease.renewAt.Before(end) {
			next, renew = l.lease.renewAt, true
		}
		timer.Reset(time.Until(next))
		select {
		case <-stop:
			ended = true
		case <-ctx.Done():
			ended = true
		case <-timer.C:
			if renew && r.renewWhileWaiting(ctx, l) {
				continue
			}
		case _, ok := <-commits:
			closed = !ok
		case <-r.resetSignal:
		}
		timer.Stop()
		return closed, ended
	}
}

// round holds the lease, reads one page after the checkpoint and applies it. It returns how long
// to wait before the next round (0: at once) and whether a commit signal may end the wait.
func (r *Runner) round(ctx context.Context, l *loopState) (time.Duration, bool) {
	active, err := r.holdLease(ctx, l)
	if err != nil {
		return r.storeFailed(ctx, l, "hold the lease", err)
	}
	if !active {
		return r.standbyInterval(), false
	}
	if n := r.resets.Load(); n != l.resets {
		l.resets, l.known, l.narrowUntil = n, false, 0
		r.clearFailing(l)
	}
	if !l.known {
		p, err := r.cfg.checkpoints.Load(ctx, r.name, l.initial, l.lease.token)
		if err != nil {
			return r.storeFailed(ctx, l, "load the checkpoint", err)
		}
		l.position, l.known, r.ver.stale, l.holds.loaded = p, true, r.versioned, false
	}
	if skip, d, wakeable := r.versionRound(ctx, l); skip {
		return d, wakeable
	}
	if r.applyRetries(ctx, l); !l.known {
		return 0, false // a retry found the checkpoint moved: load it again
	}
	if err := r.refreshHolds(ctx, l); err != nil {
		return r.storeFailed(ctx, l, "read the dead letters that hold events back", err)
	}
	if !l.known {
		return 0, false
	}
	if l.holds.paused {
		return r.cfg.pollInterval, false // dead-letter policy pause: until no dead letter is left
	}
	limit := r.pageSize(l)
	began := time.Now()
	events, err := r.store.ReadAll(ctx, l.position, limit)
	read := time.Since(began)
	if de := undecodableNext(err, l.position, events); de != nil {
		l.failures = 0
		if len(events) == 0 {
			return r.undecodable(ctx, l, de)
		}
		// Apply the events before it; the next round, at once, reads it first.
		return r.apply(ctx, l, pages{events}, true)
	}
	if err != nil {
		l.known = false
		return r.storeFailed(ctx, l, fmt.Sprintf("read the stream after position %d", l.position), err)
	}
	if len(events) == 0 {
		l.failures = 0
		r.watchHorizon(ctx, l)
		// Caught up: make sure no one reset the checkpoint meanwhile (a Reset in a transaction
		// that committed after this runner reloaded, or one from another process).
		if p, ok, err := r.cfg.checkpoints.Position(ctx, r.name); err == nil && (!ok || p != l.position) {
			l.known = false
			return 0, false
		}
		return r.cfg.pollInterval, true
	}
	run, more := pages{events}, len(events) >= limit || gapMore(events)
	if more && l.narrowUntil == 0 { // never while isolating an event whose commit failed
		if n := l.pace.pages(read, limit, r.cfg.commitSize, r.catchUpBound()); n > 1 {
			run, more = r.readOn(ctx, run, limit, n)
		}
	}
	return r.apply(ctx, l, run, more)
}

// catchUpBound is the longest a catch-up batch may take to read and handle: catchUpTxTime, and
// with a lease a third of its time to live, so that the runner renews it in time.
func (r *Runner) catchUpBound() time.Duration {
	if r.cfg.lease != nil {
		return min(catchUpTxTime, r.cfg.leaseTTL/3)
	}
	return catchUpTxTime
}

// readOn reads up to n-1 more pages after run's full one, back to back while they come back
// full, so that a catch-up commits once for several pages. It returns the pages and whether the
// last one was full (more may follow). A read that fails ends the run: the events read so far
// are applied, and the next round reads again and reports the failure; a page that ends at an
// event the store cannot hand out joins the run, and the next round starts at that event.
func (r *Runner) readOn(ctx context.Context, run pages, limit, n int) (pages, bool) {
	for range n - 1 {
		after := run.last().GlobalPosition
		page, err := r.store.ReadAll(ctx, after, limit)
		if undecodableNext(err, after, page) != nil && len(page) > 0 {
			return append(run, page), true // the next round reads the event that ended the page
		}
		if err != nil {
			return run, true
		}
		if len(page) > 0 {
			run = append(run, page)
		}
		if len(page) < limit && !gapMore(page) {
			return run, false
		}
	}
	return run, true
}

// pageSize is the next read's limit: 1 while isolating the event of a batch whose commit failed.
func (r *Runner) pageSize(l *loopState) int {
	if l.narrowUntil > l.position {
		return 1
	}
	l.narrowUntil = 0
	return r.cfg.batchSize
}

// standbyInterval is how often a standby runner tries to acquire the lease.
func (r *Runner) standbyInterval() time.Duration {
	return min(r.cfg.pollInterval, r.cfg.leaseTTL/3)
}

// storeFailed records a failure of a store (not of the projection) and returns the back-off.
// A failure caused by the end of the loop's context (an abandoned Stop) is not recorded.
func (r *Runner) storeFailed(ctx context.Context, l *loopState, step string, err error) (time.Duration, bool) {
	if ctx.Err() != nil {
		return 0, false
	}
	l.failures++
	r.log.Error("projection_runner_failed", slog.String("step", step), slog.Int("failures", l.failures), slog.Any("error", err))
	r.state.setError(fmt.Errorf("projection %q: %s: %w", r.name, step, err))
	return r.backoff(l.failures), false
}

// backoff is the wait after the n-th failure in a row: initial, doubled each time, up to max.
func (r *Runner) backoff(n int) time.Duration {
	return backoff.Exp(r.cfg.retryInitial, r.cfg.retryMax, n)
}
