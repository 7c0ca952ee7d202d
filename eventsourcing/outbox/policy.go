package outbox

import (
	"sync"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// pauseGate stops the relays of an outbox under the dead-letter policy es.DeadLetterPause while
// the outbox has a dead letter. The store is the truth: the gate reads it at most once a poll
// interval (a dead letter another process made, or one an operator retried or skipped, is seen
// within one), and at once after a relay of this group made one.
type pauseGate struct {
	mu      sync.Mutex
	paused  bool
	checked time.Time // when the store was read last; zero: read it at the next look
}

// paused reports whether the relays must claim nothing now. Outside the pause policy it is
// always false.
func (r *relayGroup) paused() bool {
	cfg := &r.o.cfg
	if cfg.policy != es.DeadLetterPause {
		return false
	}
	g := &r.pause
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.checked.IsZero() && time.Since(g.checked) < cfg.pollInterval {
		return g.paused
	}
	dead, err := r.o.store.DeadLetters(r.ctx, cfg.name, 1)
	if err != nil {
		if r.ctx.Err() == nil {
			cfg.logger.WarnContext(r.ctx, "outbox: reading the dead letters failed; the outbox stays paused until it can tell none is left",
				"outbox", cfg.name, "error", err)
		}
		return true
	}
	g.checked = time.Now()
	was := g.paused
	g.paused = len(dead) > 0
	switch {
	case g.paused && !was:
		cfg.logger.WarnContext(r.ctx, "outbox: paused behind a dead letter (dead-letter policy pause); retry or skip it to resume",
			"outbox", cfg.name, "event_id", dead[0].ID)
	case was && !g.paused:
		cfg.logger.InfoContext(r.ctx, "outbox: resumed: no dead letter is left", "outbox", cfg.name)
	}
	return g.paused
}

// deadLettered records that a relay of this group made a dead letter: under the pause policy the
// gate reads the store again at its next look, which pauses the relays.
func (r *relayGroup) deadLettered() {
	if r.o.cfg.policy != es.DeadLetterPause {
		return
	}
	r.pause.mu.Lock()
	r.pause.checked = time.Time{}
	r.pause.mu.Unlock()
}

// makesDead reports whether a failed attempt, the attempt-th of a record, makes it a dead
// letter: when its attempts ran out, under every policy but retry.
func (c *config) makesDead(attempt int) bool {
	return c.policy != es.DeadLetterRetry && attempt >= c.maxAttempts
}
