package projection

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
)

// holdState is what the dead-letter policies that hold events back (park-aggregate, pause) keep
// between rounds. The dead-letter store is the truth: the state is read from it whenever the
// checkpoint is loaded, and again at most once a poll interval while something is held, to see
// what operators released (a retry that succeeded, a skip, a delete).
type holdState struct {
	loaded     bool              // read from the store since the checkpoint's last load
	aggregates map[string]string // park-aggregate: held aggregate → the event id of its first dead letter
	paused     bool              // pause: the projection has a dead letter
	due        time.Time         // when to read the store again
}

// holding reports whether anything is held back.
func (h *holdState) holding() bool { return h.paused || len(h.aggregates) > 0 }

// holdPage is how many dead letters one read takes while the runner reads what is held.
const holdPage = 500

// refreshHolds reads what is held from the dead-letter store when the state is not loaded, or,
// at most once a poll interval, while something is held; under park-aggregate it releases the
// aggregates whose first dead letter is one held behind another that is gone: their letters are
// applied in order, up to the first that fails again, which then holds the rest.
func (r *Runner) refreshHolds(ctx context.Context, l *loopState) error {
	h := &l.holds
	if !r.cfg.policy.Holds() || r.cfg.deadLetters == nil {
		return nil
	}
	now := time.Now()
	if h.loaded && (!h.holding() || now.Before(h.due)) {
		return nil
	}
	h.due = now.Add(r.cfg.pollInterval)
	if r.cfg.policy == es.DeadLetterPause {
		n, err := r.cfg.deadLetters.Count(ctx, r.name)
		if err != nil {
			return err
		}
		if h.paused && n == 0 {
			r.log.Info("projection_resumed")
		}
		h.paused, h.loaded = n > 0, true
		r.state.setHolds(h.paused, 0)
		return nil
	}
	byAggregate, order, err := r.lettersByAggregate(ctx)
	if err != nil {
		return err
	}
	h.aggregates = map[string]string{}
	for _, id := range order {
		letters := byAggregate[id]
		if letters[0].Held() {
			letters = r.release(ctx, l, letters)
			if !l.known || ctx.Err() != nil {
				return nil // the checkpoint moved elsewhere: load it (and the holds) again
			}
		}
		if len(letters) > 0 {
			h.aggregates[id] = letters[0].Event.EventID
		}
	}
	h.loaded = true
	r.state.setHolds(false, len(h.aggregates))
	return nil
}

// lettersByAggregate reads every dead letter of the projection, grouped by aggregate in position
// order; order lists the aggregates by their first letter's position.
func (r *Runner) lettersByAggregate(ctx context.Context) (map[string][]DeadLetter, []string, error) {
	out := map[string][]DeadLetter{}
	var order []string
	var after int64
	for {
		page, err := r.cfg.deadLetters.List(ctx, r.name, after, holdPage)
		if err != nil {
			return nil, nil, err
		}
		for _, d := range page {
			id := d.Event.AggregateID
			if _, seen := out[id]; !seen {
				order = append(order, id)
			}
			out[id] = append(out[id], d)
		}
		if len(page) < holdPage {
			return out, order, nil
		}
		after = page[len(page)-1].Event.GlobalPosition
	}
}

// release applies the dead letters of one aggregate in order, each as an operator's retry
// would, up to the first that fails (it is parked again, with an attempt, and holds the rest).
// It returns the letters still parked.
func (r *Runner) release(ctx context.Context, l *loopState, letters []DeadLetter) []DeadLetter {
	for i, d := range letters {
		if d.Event.GlobalPosition > l.position || !r.retryLetter(ctx, l, r.cfg.deadLetters, d, "projection_held_event_released") {
			return letters[i:]
		}
	}
	return nil
}

// heldAt returns the index of the first event of batch whose aggregate is held back
// (park-aggregate), -1 when none is.
func (r *Runner) heldAt(l *loopState, batch pages) int {
	if len(l.holds.aggregates) == 0 {
		return -1
	}
	i := 0
	for _, pg := range batch {
		for j := range pg {
			if _, held := l.holds.aggregates[pg[j].AggregateID]; held {
				return i
			}
			i++
		}
	}
	return -1
}

// holdBack parks e, untried, behind its aggregate's first dead letter, and moves the checkpoint
// to it.
func (r *Runner) holdBack(ctx context.Context, l *loopState, e es.Envelope) (time.Duration, bool) {
	first := l.holds.aggregates[e.AggregateID]
	d := DeadLetter{Projection: r.name, Event: e, Attempts: 0, FailedAt: time.Now().UTC(),
		Error: check.Clip(fmt.Sprintf("held back behind dead letter %s of aggregate %s (dead-letter policy %s)",
			first, e.AggregateID, es.DeadLetterParkAggregate), check.DeadLetterErrorBytes)}
	if wait, ok := r.park(ctx, l, d); !ok {
		return wait, false
	}
	r.log.Info("projection_event_held", slog.String("event_id", e.EventID), slog.String("aggregate_id", e.AggregateID),
		slog.Int64("position", e.GlobalPosition), slog.String("behind", first))
	return 0, false
}

// park stores d and moves the checkpoint to its event, in one transaction when the checkpoint
// store runs them. It reports whether both happened; when not, the wait before the next round.
func (r *Runner) park(ctx context.Context, l *loopState, d DeadLetter) (time.Duration, bool) {
	e := d.Event
	var err error
	if r.tx != nil {
		err = r.tx.InTx(ctx, func(ctx context.Context) error {
			if err := r.move(ctx, l, e.GlobalPosition); err != nil {
				return err
			}
			return r.cfg.deadLetters.Park(ctx, d)
		})
	} else if err = r.cfg.deadLetters.Park(ctx, d); err == nil {
		err = r.move(ctx, l, e.GlobalPosition)
	}
	switch {
	case ctx.Err() != nil, isSuperseded(err):
		l.known = false
		return 0, false
	case err != nil:
		l.known = false
		wait, _ := r.storeFailed(ctx, l, fmt.Sprintf("park event %s at position %d", e.EventID, e.GlobalPosition), err)
		return wait, false
	}
	l.position = e.GlobalPosition
	return 0, true
}

// noteParked records, under the policies that hold events back, a dead letter the runner has
// just parked for a failure.
func (r *Runner) noteParked(l *loopState, e es.Envelope) {
	h := &l.holds
	switch r.cfg.policy {
	case es.DeadLetterPause:
		if !h.paused {
			r.log.Warn("projection_paused", slog.String("event_id", e.EventID), slog.Int64("position", e.GlobalPosition),
				slog.String("hint", "retry or skip the dead letter (esctl dead-letters) to resume"))
		}
		h.paused, h.due = true, time.Now().Add(r.cfg.pollInterval)
		r.state.setHolds(true, 0)
	case es.DeadLetterParkAggregate:
		if h.aggregates == nil {
			h.aggregates = map[string]string{}
		}
		if _, held := h.aggregates[e.AggregateID]; !held {
			h.aggregates[e.AggregateID] = e.EventID
		}
		h.due = time.Now().Add(r.cfg.pollInterval)
		r.state.setHolds(false, len(h.aggregates))
	}
}

// dropHeldRequest ends an operator's retry request of a letter held behind its aggregate's
// first dead letter, which is still parked: the letter is applied, in order, once that one is
// released. It reports whether it did.
func (r *Runner) dropHeldRequest(ctx context.Context, l *loopState, rs RetryStore, d DeadLetter) bool {
	first, held := l.holds.aggregates[d.Event.AggregateID]
	if !held || first == d.Event.EventID {
		return false
	}
	if err := rs.Park(ctx, d); err != nil && ctx.Err() == nil {
		r.log.Warn("projection_retry_request_not_dropped", slog.String("event_id", d.Event.EventID), slog.Any("error", err))
	}
	return true
}
