package projection

import (
	"context"
	"log/slog"
	"time"
)

// horizonWatch follows the store's read horizon: events stored but not readable yet.
type horizonWatch struct {
	checkedAt time.Time
	since     time.Time // when the runner was first seen held by the current events
	head      int64     // the head position then: the episode ends once the readable passes it
	logged    bool
}

// watchHorizon runs when a read came back empty: the runner has applied everything readable, so
// its position is the store's last readable one. At most once a poll interval it compares that
// position with the store's head, and logs once when the runner stays held back by the same
// events for a poll interval or more. The runner never skips past them: it keeps reading after
// its checkpoint.
func (r *Runner) watchHorizon(ctx context.Context, l *loopState) {
	if r.head == nil {
		return
	}
	w := &l.horizon
	now := time.Now()
	if now.Sub(w.checkedAt) < r.cfg.pollInterval {
		return
	}
	w.checkedAt = now
	head, err := r.head.HeadPosition(ctx)
	if err != nil {
		return
	}
	if head <= l.position {
		if w.logged {
			r.log.Info("projection_horizon_released", slog.Int64("position", l.position))
		}
		*w = horizonWatch{checkedAt: now}
		return
	}
	if w.since.IsZero() || l.position >= w.head {
		*w = horizonWatch{checkedAt: now, since: now, head: head, logged: w.logged}
		return
	}
	if !w.logged && now.Sub(w.since) >= r.cfg.pollInterval {
		r.log.Warn("projection_held_at_horizon",
			slog.Int64("position", l.position), slog.Int64("head_position", head),
			slog.Duration("held_for", now.Sub(w.since)),
			slog.String("hint", "events are stored beyond the read horizon: a transaction that began before them is still open "+
				"(idle in transaction?); the projection waits for them and skips nothing"))
		w.logged = true
	}
}
