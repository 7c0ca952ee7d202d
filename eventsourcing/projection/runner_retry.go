package projection

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofly/eventsourcing/internal/check"
)

// retryBatch is the most retry requests one round takes.
const retryBatch = 100

// errLetterGone reports, inside a retry, a dead letter deleted meanwhile (by another runner's
// retry, or by an operator).
var errLetterGone = errors.New("projection: the dead letter is gone")

// applyRetries applies the parked events an operator asked for again (see [RetryStore]), at most
// once a poll interval. It runs while the runner is active, with its checkpoint loaded.
func (r *Runner) applyRetries(ctx context.Context, l *loopState) {
	rs, ok := r.cfg.deadLetters.(RetryStore)
	if !ok {
		return
	}
	now := time.Now()
	if now.Before(l.retriesDue) {
		return
	}
	l.retriesDue = now.Add(r.cfg.pollInterval)
	letters, err := rs.RetryRequests(ctx, r.name, retryBatch)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("projection_retry_requests_unreadable", slog.Any("error", err))
		}
		return
	}
	for _, d := range letters {
		if ctx.Err() != nil || !l.known {
			return
		}
		if d.Event.GlobalPosition > l.position || r.dropHeldRequest(ctx, l, rs, d) {
			continue // the runner has not reached it, or applies it once its aggregate is released
		}
		r.retryLetter(ctx, l, rs, d, "projection_dead_letter_retried")
	}
}

// retryLetter applies one dead letter: the checkpoint's fenced move to where it is (which stops
// a runner that lost its lease), the letter's deletion and the handler, in one transaction when
// the checkpoint store runs them. A failure parks it again. It reports whether the event was
// applied; logged names the log record of a success.
func (r *Runner) retryLetter(ctx context.Context, l *loopState, rs DeadLetterStore, d DeadLetter, logged string) bool {
	e := d.Event
	apply := func(ctx context.Context) error {
		if err := r.move(ctx, l, l.position); err != nil {
			return err
		}
		had, err := rs.Delete(ctx, r.name, e.EventID)
		if err != nil {
			return err
		}
		if !had {
			return errLetterGone
		}
		return r.handle(ctx, e)
	}
	var err error
	if r.tx != nil {
		err = r.tx.InTx(ctx, apply)
	} else {
		err = apply(ctx)
	}
	switch {
	case err == nil:
		r.log.Info(logged, slog.String("event_id", e.EventID), slog.Int64("position", e.GlobalPosition))
		l.holds.due = time.Time{} // a policy that holds events back looks at once at what this released
		return true
	case errors.Is(err, errLetterGone), ctx.Err() != nil:
		return false
	case isSuperseded(err):
		l.known = false
		return false
	}
	d.Attempts++
	d.Error = check.Clip(err.Error(), check.DeadLetterErrorBytes)
	d.FailedAt = time.Now().UTC()
	if perr := rs.Park(ctx, d); perr != nil {
		r.storeFailed(ctx, l, fmt.Sprintf("park event %s again after its retry failed", e.EventID), perr)
		return false
	}
	r.log.Warn("projection_dead_letter_retry_failed", slog.String("event_id", e.EventID), slog.Int64("position", e.GlobalPosition),
		slog.Int("attempts", d.Attempts), slog.Any("error", err))
	r.state.setError(fmt.Errorf("projection %q: retry of parked event %s (position %d), attempt %d: %w",
		r.name, e.EventID, e.GlobalPosition, d.Attempts, err))
	return false
}
