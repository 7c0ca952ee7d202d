package projection

import (
	"context"
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
// extending it as needed) or runs without one. The lease is checked only between batches; a batch
// that outlives it is stopped by the checkpoint's fence.
func (r *Runner) holdLease(ctx context.Context, l *loopState) (bool, error) {
	h := &l.lease
	if r.cfg.lease == nil {
		if !h.held {
			h.held = true
			r.state.setActive(true)
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
		ok, err := r.cfg.lease.Extend(ctx, r.leaseName, r.cfg.owner, h.token, ttl)
		if err != nil {
			if !now.Before(h.expiresAt) {
				r.dropLease(l, "the lease expired while it could not be extended")
			}
			return false, err
		}
		if ok {
			h.renewAt, h.expiresAt = now.Add(ttl/3), now.Add(ttl)
			return true, nil
		}
		r.dropLease(l, "another runner holds the lease now")
	}
	if !r.mayAcquire(ctx, l) {
		r.state.setActive(false)
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
		r.state.setActive(false)
		r.noteStandby(ctx, l)
		return false, nil
	}
	*h = leaseHold{held: true, token: token, renewAt: now.Add(ttl / 3), expiresAt: now.Add(ttl)}
	l.known = false // another runner may have moved the checkpoint while this one stood by
	l.standby = standbyNote{}
	r.log.Info("projection_lease_acquired", slog.String("owner", r.cfg.owner), slog.Int64("token", token))
	r.state.setActive(true)
	return true, nil
}

// dropLease forgets a lease the runner no longer holds.
func (r *Runner) dropLease(l *loopState, why string) {
	r.log.Warn("projection_lease_lost", slog.String("owner", r.cfg.owner), slog.Int64("token", l.lease.token), slog.String("reason", why))
	l.lease = leaseHold{}
	l.known = false
	r.notAcquired(l)
	r.state.setActive(false)
}

// releaseLease gives the lease up when the loop ends, so a standby runner takes over at once.
func (r *Runner) releaseLease(ctx context.Context, l *loopState) {
	r.state.setActive(false)
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
