package health

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/internal/check"
)

// Checker makes health reports of the stores an inspect.Inspector reads. It is safe for
// concurrent use.
type Checker struct {
	in      inspect.Inspector
	cfg     Config
	runners func() []*projection.Runner // WithRunners; nil without
}

// NewChecker returns a Checker of in with the thresholds of cfg (zero fields take their
// defaults), and what opts add ([WithRunners]). It refuses a nil in and a cfg [Config.Validate]
// refuses.
func NewChecker(in inspect.Inspector, cfg Config, opts ...Option) (*Checker, error) {
	if check.IsNil(in) {
		return nil, errors.New("health.NewChecker: the inspector is nil")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.SetDefaults()
	c := &Checker{in: in, cfg: cfg}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c, nil
}

// Config returns the thresholds in use, defaults filled in.
func (c *Checker) Config() Config { return c.cfg }

// Report reads the stores and judges them. It never fails: a store that cannot be read makes its
// check unhealthy with the error. When the store cannot be reached or its schema is not current,
// the report holds the store's check alone.
func (c *Checker) Report(ctx context.Context) Report {
	if err := c.in.Ping(ctx); err != nil {
		return UnreachableReport(err)
	}
	r := Report{CheckedAt: time.Now().UTC()}
	store := Check{Component: ComponentStore, Healthy: true}
	if err := c.in.CheckSchema(ctx); err != nil {
		store.problem("schema: " + err.Error())
	}
	r.Checks = append(r.Checks, store)
	if store.Healthy {
		r.Checks = append(r.Checks, c.projections(ctx)...)
		r.Checks = append(r.Checks, c.outboxes(ctx)...)
		if h, ok := c.horizon(ctx); ok {
			r.Checks = append(r.Checks, h)
		}
	}
	r.Healthy = true
	for _, ch := range r.Checks {
		r.Healthy = r.Healthy && ch.Healthy
	}
	return r
}

// UnreachableReport is the report on a store that cannot be reached (or opened) because of err:
// its check alone, unhealthy.
func UnreachableReport(err error) Report {
	store := Check{Component: ComponentStore, Healthy: true}
	store.problem("unreachable: " + err.Error())
	return Report{CheckedAt: time.Now().UTC(), Checks: []Check{store}}
}

// projections checks each projection, or fails one check when they cannot be read.
func (c *Checker) projections(ctx context.Context) []Check {
	ps, err := c.in.Projections(ctx)
	if err != nil {
		ch := Check{Component: ComponentProjection, Healthy: true}
		ch.problem("cannot be read: " + err.Error())
		return []Check{ch}
	}
	facts := c.runnerFacts(ctx)
	out := make([]Check, 0, len(ps)+len(facts))
	for i := range ps {
		ch := c.projection(&ps[i])
		key := projection.CheckpointName(ps[i].Name, max(ps[i].Version, projection.DefaultVersion))
		if f := facts[key]; f != nil {
			judgeRunner(&ch, f)
			delete(facts, key)
		}
		out = append(out, ch)
	}
	return append(out, runnerChecks(facts)...)
}

func (c *Checker) projection(p *inspect.Projection) Check {
	ch := Check{Component: ComponentProjection, Name: projection.CheckpointName(p.Name, max(p.Version, projection.DefaultVersion)),
		Healthy: true, Projection: p}
	if c.versionNoted(&ch, p) {
		c.deadLetters(&ch, p.DeadLetters)
		return ch
	}
	switch p.State {
	case inspect.StateFailing:
		ch.problem(fmt.Sprintf("failing: %q holds its lease but its checkpoint has not moved for %s while events wait",
			p.LeaseHolder, round(p.ReadAt.Sub(p.UpdatedAt))))
	case inspect.StateStopped:
		if p.Lag > 0 && !p.HeldAtHorizon {
			ch.problem(fmt.Sprintf("stopped: no runner applies its events (%d waiting)", p.Lag))
		}
	case inspect.StateStandingBy:
		ch.note(fmt.Sprintf("standing by: %q stopped renewing its lease at %s; a runner standing by takes it over",
			p.LeaseHolder, p.LeaseExpiresAt.UTC().Format(time.RFC3339)))
	}
	if p.HeldAtHorizon {
		ch.note("it has applied every readable event; the rest wait beyond the read horizon (see the horizon's check)")
	} else {
		if p.Lag > c.cfg.ProjectionLag {
			ch.problem(fmt.Sprintf("%d events behind (threshold %d)", p.Lag, c.cfg.ProjectionLag))
		}
		if lt := p.LagTime(); lt > c.cfg.ProjectionStall {
			ch.problem(fmt.Sprintf("the oldest event it has not applied has waited %s (threshold %s)", round(lt), c.cfg.ProjectionStall))
		}
	}
	c.deadLetters(&ch, p.DeadLetters)
	return ch
}

// outboxes checks each outbox, or fails one check when they cannot be read.
func (c *Checker) outboxes(ctx context.Context) []Check {
	obs, err := c.in.Outboxes(ctx)
	if err != nil {
		ch := Check{Component: ComponentOutbox, Healthy: true}
		ch.problem("cannot be read: " + err.Error())
		return []Check{ch}
	}
	out := make([]Check, 0, len(obs))
	for i := range obs {
		o := &obs[i]
		ch := Check{Component: ComponentOutbox, Name: o.Name, Healthy: true, Outbox: o}
		if o.Pending > c.cfg.OutboxPending {
			ch.problem(fmt.Sprintf("%d records pending (threshold %d)", o.Pending, c.cfg.OutboxPending))
		}
		if age := o.OldestPendingAge(); age > c.cfg.OutboxAge {
			ch.problem(fmt.Sprintf("the oldest pending record has waited %s (threshold %s)", round(age), c.cfg.OutboxAge))
		}
		c.deadLetters(&ch, o.DeadLetters)
		out = append(out, ch)
	}
	return out
}

// deadLetters judges a component's dead letters.
func (c *Checker) deadLetters(ch *Check, n int64) {
	switch {
	case c.cfg.DeadLetters > 0 && n > c.cfg.DeadLetters:
		ch.problem(fmt.Sprintf("%d dead letters (threshold %d)", n, c.cfg.DeadLetters))
	case n > 0:
		ch.note(fmt.Sprintf("%d dead letters", n))
	}
}

// horizon checks the read horizon; ok is false where the store has none.
func (c *Checker) horizon(ctx context.Context) (Check, bool) {
	ch := Check{Component: ComponentHorizon, Healthy: true}
	h, err := c.in.Horizon(ctx)
	if errors.Is(err, errors.ErrUnsupported) {
		return ch, false
	}
	if err != nil {
		ch.problem("cannot be read: " + err.Error())
		return ch, true
	}
	ch.Horizon = &h
	holder := h.Holder
	switch {
	case h.Waiting > 0 && holder != nil && holder.Age > c.cfg.HorizonAge:
		ch.problem(fmt.Sprintf("%d events wait beyond the read horizon, held by the transaction of pid %d (application %q, %s) open for %s (threshold %s)",
			h.Waiting, holder.PID, holder.ApplicationName, holder.State, round(holder.Age), c.cfg.HorizonAge))
	case h.Waiting > 0:
		ch.note(fmt.Sprintf("%d events wait beyond the read horizon", h.Waiting))
	case holder != nil && holder.Age > c.cfg.HorizonAge:
		ch.note(fmt.Sprintf("the transaction of pid %d (application %q, %s) has been open for %s: events written now would wait for it",
			holder.PID, holder.ApplicationName, holder.State, round(holder.Age)))
	}
	return ch, true
}

// round shows a duration to the millisecond.
func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

// versionNoted judges a version of a versioned projection that is not the active one: one
// catching up or handing off is expected to lag (a note tells how far), and a superseded one
// stands still until it is retired (a note says how). It reports whether it judged p.
func (c *Checker) versionNoted(ch *Check, p *inspect.Projection) bool {
	switch projection.Role(p.Role) {
	case projection.RoleCatchingUp:
		ch.note(fmt.Sprintf("version %d catching up beside the active version: %d events behind", p.Version, p.Lag))
	case projection.RoleHandingOff:
		ch.note(fmt.Sprintf("version %d hands off to the active version: it applies the events up to the handoff, then stops", p.Version))
	case projection.RoleSuperseded:
		ch.note(fmt.Sprintf("version %d was superseded; its records stay until it is retired (esctl projection retire %s --version %d)",
			p.Version, p.Name, p.Version))
	default:
		return false
	}
	return true
}
