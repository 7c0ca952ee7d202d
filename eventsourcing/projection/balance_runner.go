package projection

import (
	"context"
	"log/slog"
	"time"

	"github.com/gofly/eventsourcing/internal/errs"
)

// WithBalancer makes the runner take its lease only within its process's share of the leases of
// the balancer's runners, and hand it over between two batches when the process holds more than
// its share (see [Balancer]). It needs a lease ([WithLease]); give the same Balancer to every
// runner of the process.
func WithBalancer(b *Balancer) Option {
	return func(s *setup) error {
		if b == nil {
			return errs.Invalid("projection.WithBalancer: the balancer is nil")
		}
		s.balancer = b
		return nil
	}
}

// joinBalance counts the run in its balancer, and returns what counts it out.
func (r *Runner) joinBalance(ctx context.Context, l *loopState) func() {
	b := r.cfg.balancer
	if b == nil {
		return func() {}
	}
	b.join(ctx, l)
	return func() { b.leave(ctx, l) }
}

// mayAcquire reports whether a standing-by runner tries its lease now: always without a
// balancer; with one, while its process holds less than its share, or when the lease has been
// free for the balancer's whole TTL (nobody whose share it is takes it).
func (r *Runner) mayAcquire(ctx context.Context, l *loopState) bool {
	b := r.cfg.balancer
	if b == nil || b.reserve(l) {
		l.freeSince = time.Time{}
		return true
	}
	lr, ok := r.cfg.lease.(LeaseReader)
	if !ok {
		return false
	}
	h, err := lr.Holder(ctx, r.leaseName)
	if err != nil || h.Live {
		l.freeSince = time.Time{}
		return false
	}
	now := time.Now()
	if l.freeSince.IsZero() {
		l.freeSince = now
	}
	if now.Sub(l.freeSince) < b.ttl {
		return false
	}
	r.log.Info("projection_lease_unclaimed", slog.String("owner", r.cfg.owner), slog.Duration("free_for", now.Sub(l.freeSince)))
	b.force(l)
	return true
}

// notAcquired tells the balancer that a try of the lease failed.
func (r *Runner) notAcquired(l *loopState) {
	if r.cfg.balancer != nil {
		r.cfg.balancer.drop(l)
	}
}

// handOver releases the lease the runner holds when its process holds more than its share, so
// that a member below its share takes it; it reports whether it did. It runs between batches.
func (r *Runner) handOver(ctx context.Context, l *loopState) bool {
	b := r.cfg.balancer
	if b == nil || !b.shed(l) {
		return false
	}
	r.log.Info("projection_lease_handed_over", slog.String("owner", r.cfg.owner), slog.Int64("token", l.lease.token))
	r.releaseLease(ctx, l)
	l.known = false
	return true
}
