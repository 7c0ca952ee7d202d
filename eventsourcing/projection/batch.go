package projection

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
)

// batchResult is what one attempt at a batch did.
type batchResult struct {
	committed  int           // events whose progress is stored (their checkpoint move committed)
	failedAt   int           // index of the event whose handler failed, when handlerErr is set
	handlerErr error         // the handler's error
	superseded bool          // the checkpoint was elsewhere: another runner, a reset or a newer lease
	err        error         // a store failed (the move, or the commit)
	handled    bool          // every handler succeeded: an err came from the commit
	handling   time.Duration // the handlers' time
}

// pendingFailure is a handler failure whose event is retried once the events before it are
// stored.
type pendingFailure struct {
	event    es.Envelope
	attempts int
	err      error
}

// apply applies the events read after l.position (one page, or several full pages and the one
// after them) and returns the wait before the next round; more says the last page was full.
func (r *Runner) apply(ctx context.Context, l *loopState, events pages, more bool) (time.Duration, bool) {
	if err := checkOrder(l.position, events); err != nil {
		l.known = false
		return r.storeFailed(ctx, l, "check the page read", err)
	}
	if events, more = r.bound(events, more); events.len() == 0 {
		r.handedOff(l)
		return 0, false
	}
	if i := r.heldAt(l, events); i == 0 {
		return r.holdBack(ctx, l, *events.at(0))
	} else if i > 0 {
		events, more = events.head(i), true // the next round holds the event back
	}
	batch := events
	var pending *pendingFailure
	for {
		began := time.Now()
		res := r.runBatch(ctx, l, batch)
		n := batch.len()
		if res.committed == n {
			l.pace.observe(n, time.Since(began), res.handling)
		}
		if res.committed > 0 {
			l.position = batch.at(res.committed - 1).GlobalPosition
			l.failures = 0
			if l.failing != 0 && l.failing <= l.position {
				r.clearFailing(l)
			}
		}
		if ctx.Err() != nil {
			l.known = false
			return 0, false
		}
		switch {
		case res.superseded:
			r.log.Debug("projection_batch_superseded", slog.Int64("expected", l.position))
			l.known = false
			l.lease.renewAt = time.Time{} // a newer lease holder may have fenced this runner out
			return 0, false
		case res.handlerErr != nil && r.tx != nil && res.failedAt > 0:
			// The transaction rolled back the events before the failed one (in a transaction a
			// handler failure stores nothing): store them alone now, then retry the failed one
			// after the back-off.
			e := *batch.at(res.failedAt)
			pending = &pendingFailure{event: e, attempts: r.noteHandlerFailure(l, e, res.handlerErr), err: res.handlerErr}
			batch = batch.head(res.failedAt)
			continue
		case res.handlerErr != nil:
			e := *batch.at(res.failedAt)
			attempts := r.noteHandlerFailure(l, e, res.handlerErr)
			if res.err != nil {
				l.known = false
				return r.storeFailed(ctx, l, "store the progress before a failed event", res.err)
			}
			return r.afterHandlerFailure(ctx, l, e, attempts, res.handlerErr)
		case res.err != nil:
			l.known = false
			if res.handled && n > 1 {
				// The commit failed: read the batch again one event at a time, to find the event
				// whose writes break it.
				l.narrowUntil = max(l.narrowUntil, batch.last().GlobalPosition)
			}
			return r.storeFailed(ctx, l, fmt.Sprintf("apply %d events after position %d", n, l.position), res.err)
		case pending != nil:
			return r.afterHandlerFailure(ctx, l, pending.event, pending.attempts, pending.err)
		case !more:
			return r.caughtUp(ctx, l)
		}
		return 0, false
	}
}

// runBatch makes one attempt at batch: in one transaction of the checkpoint store when it runs
// them (the checkpoint is moved first, so a competing runner waits for this one, then finds it
// moved), else event by event with one move at the end.
func (r *Runner) runBatch(ctx context.Context, l *loopState, batch pages) batchResult {
	obs := r.cfg.observer
	if obs == nil {
		return r.attemptBatch(ctx, l, batch)
	}
	b := es.Batch{Projection: r.base, Version: r.version, Events: batch.len(), From: l.position, To: batch.last().GlobalPosition}
	began := time.Now()
	ctx = obs.StartBatch(ctx, b)
	res := r.attemptBatch(ctx, l, batch)
	err := res.handlerErr
	if err == nil {
		err = res.err
	}
	obs.EndBatch(ctx, b, es.BatchResult{Applied: res.committed, Superseded: res.superseded, Err: err, Duration: time.Since(began)})
	return res
}

// attemptBatch is runBatch without the observer.
func (r *Runner) attemptBatch(ctx context.Context, l *loopState, batch pages) batchResult {
	res := batchResult{failedAt: -1}
	target := batch.last().GlobalPosition
	if r.tx != nil {
		err := r.tx.InTx(ctx, func(ctx context.Context) error {
			if err := r.move(ctx, l, target); err != nil {
				return err
			}
			if err := r.checkActive(ctx); err != nil {
				return err
			}
			began := time.Now()
			if i, err := r.handleAll(ctx, batch); err != nil {
				res.failedAt, res.handlerErr = i, err
				return err
			}
			res.handled, res.handling = true, time.Since(began)
			return nil
		})
		switch {
		case res.handlerErr != nil:
		case isSuperseded(err):
			res.superseded = true
		case err != nil:
			res.err = err
		default:
			res.committed = batch.len()
		}
		return res
	}
	done := batch.len()
	if err := r.checkActive(ctx); err != nil {
		res.superseded, res.err = isSuperseded(err), err
		if res.superseded {
			res.err = nil
		}
		return res
	}
	began := time.Now()
	if i, err := r.handleAll(ctx, batch); err != nil {
		res.failedAt, res.handlerErr, done = i, err, i
	}
	res.handling = time.Since(began)
	if done == 0 {
		return res
	}
	switch err := r.move(ctx, l, batch.at(done-1).GlobalPosition); {
	case isSuperseded(err):
		res.superseded = true
	case err != nil:
		res.err = err
	default:
		res.committed = done
	}
	return res
}

// move moves the checkpoint from l.position to next under the runner's lease token.
func (r *Runner) move(ctx context.Context, l *loopState, next int64) error {
	ok, err := r.cfg.checkpoints.Move(ctx, r.name, l.position, next, l.lease.token)
	if err != nil {
		return err
	}
	if !ok {
		return errSuperseded
	}
	return nil
}

// isSuperseded reports whether a checkpoint move failed because the checkpoint was elsewhere:
// found by the move itself, or reported by the store at commit.
func isSuperseded(err error) bool {
	return errors.Is(err, errSuperseded) || errors.Is(err, ErrCheckpointMoved)
}

// handleAll calls the projection for each event of batch in order; on a failure it returns the
// failed event's index and the error.
func (r *Runner) handleAll(ctx context.Context, batch pages) (int, error) {
	i := 0
	for _, pg := range batch {
		for j := range pg {
			if err := r.handle(ctx, pg[j]); err != nil {
				return i, err
			}
			i++
		}
	}
	return 0, nil
}

// handle calls the projection, turning a panic into an error.
func (r *Runner) handle(ctx context.Context, e es.Envelope) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("projection_handler_panicked", slog.String("event_id", e.EventID),
				slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("projection %q: the handler panicked: %v", r.name, p)
		}
	}()
	return r.p.Handle(r.handlingContext(ctx, &e), e)
}

// noteHandlerFailure counts a failure on e and records it; it returns the attempts so far.
func (r *Runner) noteHandlerFailure(l *loopState, e es.Envelope, err error) int {
	if l.failing == e.GlobalPosition {
		l.attempts++
	} else {
		l.failing, l.attempts = e.GlobalPosition, 1
	}
	r.log.Error("projection_event_failed", slog.String("event_id", e.EventID), slog.String("event_type", e.EventType),
		slog.Int64("position", e.GlobalPosition), slog.Int("attempts", l.attempts), slog.Any("error", err))
	r.state.setError(fmt.Errorf("projection %q: event %s (%s at position %d), attempt %d: %w",
		r.name, e.EventID, e.EventType, e.GlobalPosition, l.attempts, err))
	r.state.setFailing(l.failing, l.attempts)
	return l.attempts
}

func (r *Runner) clearFailing(l *loopState) {
	l.failing, l.attempts = 0, 0
	r.state.setFailing(0, 0)
}

// afterHandlerFailure parks e when it has used up its attempts, else returns the back-off before
// it is retried. The checkpoint is at the position before e.
func (r *Runner) afterHandlerFailure(ctx context.Context, l *loopState, e es.Envelope, attempts int, cause error) (time.Duration, bool) {
	if r.cfg.deadLetters == nil || r.cfg.policy == es.DeadLetterRetry || attempts < r.cfg.maxAttempts {
		return r.backoff(attempts), false
	}
	d := DeadLetter{Projection: r.name, Event: e, Attempts: attempts, Error: check.Clip(cause.Error(), check.DeadLetterErrorBytes), FailedAt: time.Now().UTC()}
	if wait, ok := r.park(ctx, l, d); !ok {
		return wait, false
	}
	r.log.Warn("projection_event_parked", slog.String("event_id", e.EventID), slog.String("event_type", e.EventType),
		slog.Int64("position", e.GlobalPosition), slog.Int("attempts", attempts), slog.Any("error", cause))
	r.clearFailing(l)
	r.noteParked(l, e)
	return 0, false
}

// checkOrder refuses a page whose positions do not strictly increase after the cursor: applying
// it could skip or repeat events.
func checkOrder(after int64, events pages) error {
	prev := after
	for _, pg := range events {
		for i := range pg {
			p := pg[i].GlobalPosition
			if p <= prev {
				return fmt.Errorf("the store returned position %d after position %d (event %s): positions must strictly increase after the cursor",
					p, prev, pg[i].EventID)
			}
			prev = p
		}
	}
	return nil
}
