package projection

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// leaseHold is the loop's view of its lease.
type leaseHold struct {
	held      bool
	token     int64     // the fencing token of the acquisition; 0 without a lease
	renewAt   time.Time // extend from here on
	expiresAt time.Time // the acquisition surely ends here unless extended (measured before the call)
}

// holdLease reports whether the runner may apply events now: it holds the lease (acquiring or
// extending it as needed) or runs without one. The lease is checked only between batches (and
// extended during the waits between rounds, see [Runner.renewWhileWaiting]); a batch that
// outlives it is stopped by the checkpoint's fence.
func (r *Runner) holdLease(ctx context.Context, l *loopState) (bool, error) {
	h := &l.lease
	if r.cfg.lease == nil {
		if !h.held {
			h.held = true
			r.state.setActive(time.Time{})
		}
		return true, nil
	}
	ttl := r.cfg.leaseTTL
	now := time.Now()
	if h.held {
		if r.handOver(ctx, l) {
			r.noteStandby(ctx, l)
			return false, nil
		}
		if now.Before(h.renewAt) {
			return true, nil
		}
		ok, err := r.extendLease(ctx, l, now)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	if !r.mayAcquire(ctx, l) {
		r.state.setInactive()
		r.noteStandby(ctx, l)
		return false, nil
	}
	token, ok, err := r.cfg.lease.TryAcquire(ctx, r.leaseName, r.cfg.owner, ttl)
	if err != nil || !ok {
		r.notAcquired(l)
	}
	if err != nil {
		return false, err
	}
	if !ok {
		r.state.setInactive()
		r.noteStandby(ctx, l)
		return false, nil
	}
	*h = leaseHold{held: true, token: token, renewAt: now.Add(ttl / 3), expiresAt: now.Add(ttl)}
	l.known = false // another runner may have moved the checkpoint while this one stood by
	l.standby = standbyNote{}
	r.log.Info("projection_lease_acquired", slog.String("owner", r.cfg.owner), slog.Int64("token", token))
	r.state.setActive(h.expiresAt)
	return true, nil
}

// extendLease extends the lease the runner holds, at now (measured before the call). It reports
// false, having dropped the lease, when the acquisition is over; on an error it drops it only
// once it has surely expired.
func (r *Runner) extendLease(ctx context.Context, l *loopState, now time.Time) (bool, error) {
	h, ttl := &l.lease, r.cfg.leaseTTL
	ok, err := r.cfg.lease.Extend(ctx, r.leaseName, r.cfg.owner, h.token, ttl)
	if err != nil {
		if !now.Before(h.expiresAt) {
			r.dropLease(l, "the lease expired while it could not be extended")
		}
		return false, err
	}
	if !ok {
		r.dropLease(l, "another runner holds the lease now")
		return false, nil
	}
	h.renewAt, h.expiresAt = now.Add(ttl/3), now.Add(ttl)
	r.state.setActive(h.expiresAt)
	return true, nil
}

// renewing reports whether the runner holds a lease that it must extend while it waits.
func (r *Runner) renewing(l *loopState) bool {
	return r.cfg.lease != nil && l.lease.held
}

// renewWhileWaiting extends the lease when a wait between rounds reaches its renewal time, and
// reports whether the runner still holds it. False (the lease is lost, or expired while it could
// not be extended) ends the wait: the runner no longer reports itself active, and its next round
// stands by, as when it loses the lease at a round's start. When the lease cannot be extended
// but has not expired yet, the runner keeps it and tries again a sixth of its time to live later
// (no later than its expiry).
func (r *Runner) renewWhileWaiting(ctx context.Context, l *loopState) bool {
	now := time.Now()
	ok, err := r.extendLease(ctx, l, now)
	switch {
	case err == nil:
		return ok
	case ctx.Err() != nil:
		return true // the loop is ending
	case !l.lease.held:
		return false
	}
	h := &l.lease
	h.renewAt = now.Add(r.cfg.leaseTTL / 6)
	if h.renewAt.After(h.expiresAt) {
		h.renewAt = h.expiresAt
	}
	r.log.Warn("projection_lease_extend_failed", slog.String("owner", r.cfg.owner), slog.Int64("token", h.token),
		slog.Time("expires_at", h.expiresAt.UTC()), slog.Any("error", err))
	r.state.setError(fmt.Errorf("projection %q: extend the lease: %w", r.name, err))
	return true
}

// dropLease forgets a lease the runner no longer holds.
func (r *Runner) dropLease(l *loopState, why string) {
	r.log.Warn("projection_lease_lost", slog.String("owner", r.cfg.owner), slog.Int64("token", l.lease.token), slog.String("reason", why))
	l.lease = leaseHold{}
	l.known = false
	r.notAcquired(l)
	r.state.setInactive()
}

// releaseLease gives the lease up when the loop ends, so a standby runner takes over at once.
func (r *Runner) releaseLease(ctx context.Context, l *loopState) {
	r.state.setInactive()
	r.notAcquired(l)
	if r.cfg.lease == nil || !l.lease.held {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(r.cfg.leaseTTL, 5*time.Second))
	defer cancel()
	if err := r.cfg.lease.Release(ctx, r.leaseName, r.cfg.owner, l.lease.token); err != nil {
		r.log.Warn("projection_lease_release_failed", slog.Int64("token", l.lease.token), slog.Any("error", err))
	}
	l.lease = leaseHold{}
}

// standbyNote is what a standing-by runner last logged about the lease's holder.
type standbyNote struct {
	logged bool
	holder string
}

// noteStandby logs, once per holder rather than once a try, that the runner stands by and who
// holds the lease until when (when the lease tells: a [LeaseReader]).
func (r *Runner) noteStandby(ctx context.Context, l *loopState) {
	attrs := []any{slog.String("owner", r.cfg.owner), slog.Duration("lease_ttl", r.cfg.leaseTTL),
		slog.Duration("retry_every", r.standbyInterval())}
	if lr, ok := r.cfg.lease.(LeaseReader); ok {
		h, err := lr.Holder(ctx, r.leaseName)
		if err != nil || (l.standby.logged && h.Owner == l.standby.holder) {
			return
		}
		l.standby = standbyNote{logged: true, holder: h.Owner}
		attrs = append(attrs, slog.String("holder", h.Owner), slog.Time("holder_expires_at", h.ExpiresAt.UTC()))
	} else if l.standby.logged {
		return
	}
	l.standby.logged = true
	r.log.Info("projection_standing_by", attrs...)
}
