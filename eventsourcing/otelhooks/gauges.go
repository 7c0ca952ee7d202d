package otelhooks

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// GaugeSources are what [RegisterGauges] reads at each collection.
type GaugeSources struct {
	// Inspector reads the stores (bunstore.Admin, memory.Inspector): the projections' lag, the
	// outboxes and the read horizon. Required.
	Inspector inspect.Inspector
	// Runners returns the projection runners of this process, when there are any: the position
	// of their projections comes from their Status, and only their projections are reported.
	// When nil, every projection the stores know of is reported, its position from the stores.
	Runners func() []*projection.Runner
}

// gauges are the observable instruments of RegisterGauges.
type gauges struct {
	src         GaugeSources
	position    metric.Int64ObservableGauge
	lag         metric.Int64ObservableGauge
	lagSeconds  metric.Float64ObservableGauge
	pending     metric.Int64ObservableGauge
	deadLetters metric.Int64ObservableGauge
	horizon     metric.Int64ObservableGauge
}

// RegisterGauges registers the gauges of the package documentation on mp's meter (the global
// one when mp is nil), read from src at each collection. Unregister the returned registration
// when the sources go away (the Fx module does on stop). A source that cannot be read at a
// collection leaves its gauges out of it, and the error goes to the collection.
func RegisterGauges(mp metric.MeterProvider, src GaugeSources) (metric.Registration, error) {
	if src.Inspector == nil {
		return nil, errors.New("otelhooks.RegisterGauges: the inspector is nil")
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(ScopeName)
	g := &gauges{src: src}
	var errs [6]error
	g.position, errs[0] = m.Int64ObservableGauge("projection.position", metric.WithUnit("{position}"),
		metric.WithDescription("The projection's checkpoint: the global position up to which it applied the stream."))
	g.lag, errs[1] = m.Int64ObservableGauge("projection.lag", metric.WithUnit("{event}"),
		metric.WithDescription("Events stored after the projection's checkpoint, readable or beyond the read horizon."))
	g.lagSeconds, errs[2] = m.Float64ObservableGauge("projection.lag.seconds", metric.WithUnit("s"),
		metric.WithDescription("How long the oldest event the projection has not applied has waited."))
	g.pending, errs[3] = m.Int64ObservableGauge("outbox.pending", metric.WithUnit("{record}"),
		metric.WithDescription("Outbox records neither delivered nor dead."))
	g.deadLetters, errs[4] = m.Int64ObservableGauge("outbox.dead_letters", metric.WithUnit("{record}"),
		metric.WithDescription("Outbox records whose attempts ran out."))
	g.horizon, errs[5] = m.Int64ObservableGauge("eventsourcing.read_horizon.lag", metric.WithUnit("{position}"),
		metric.WithDescription("PostgreSQL: the newest global position stored minus the newest readable one."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return m.RegisterCallback(g.observe, g.position, g.lag, g.lagSeconds, g.pending, g.deadLetters, g.horizon)
}

// observe reads the sources and reports what it could read.
func (g *gauges) observe(ctx context.Context, o metric.Observer) error {
	return errors.Join(g.projections(ctx, o), g.outboxes(ctx, o), g.readHorizon(ctx, o))
}

// projections reports the projections: the runners' positions from their Status, the lag of
// every projection (of the runners', when there are runners) from the stores.
func (g *gauges) projections(ctx context.Context, o metric.Observer) error {
	var errs []error
	type version struct {
		name    string
		version int
	}
	var mine map[version]bool // the runners' projections' versions, nil without runners
	if g.src.Runners != nil {
		mine = map[version]bool{}
		for _, r := range g.src.Runners() {
			v := version{r.Name(), r.Version()}
			mine[v] = false
			st, err := r.Status(ctx)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			parts := st.Partitions // a split projection's checkpoints are its partitions'
			if parts == nil {
				parts = []projection.Status{st}
			}
			for _, ps := range parts {
				mine[version{ps.Name, ps.Version}] = true
				o.ObserveInt64(g.position, ps.Position, metric.WithAttributes(AttrProjection.String(ps.Name), AttrVersion.Int(ps.Version)))
			}
		}
	}
	ps, err := g.src.Inspector.Projections(ctx)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("otelhooks: read the projections: %w", err))...)
	}
	for _, p := range ps {
		seen, runs := mine[version{p.Name, p.Version}]
		if mine != nil && !runs {
			continue
		}
		attrs := metric.WithAttributes(AttrProjection.String(p.Name), AttrVersion.Int(p.Version))
		if !seen {
			o.ObserveInt64(g.position, p.Position, attrs)
		}
		o.ObserveInt64(g.lag, p.Lag, attrs)
		o.ObserveFloat64(g.lagSeconds, p.LagTime().Seconds(), attrs)
	}
	return errors.Join(errs...)
}

// outboxes reports each outbox's pending records and dead letters.
func (g *gauges) outboxes(ctx context.Context, o metric.Observer) error {
	obs, err := g.src.Inspector.Outboxes(ctx)
	if err != nil {
		return fmt.Errorf("otelhooks: read the outboxes: %w", err)
	}
	for _, ob := range obs {
		attrs := metric.WithAttributes(AttrOutbox.String(ob.Name))
		o.ObserveInt64(g.pending, ob.Pending, attrs)
		o.ObserveInt64(g.deadLetters, ob.DeadLetters, attrs)
	}
	return nil
}

// readHorizon reports the read horizon's lag where the store has one.
func (g *gauges) readHorizon(ctx context.Context, o metric.Observer) error {
	h, err := g.src.Inspector.Horizon(ctx)
	if errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("otelhooks: read the read horizon: %w", err)
	}
	o.ObserveInt64(g.horizon, max(h.NewestPosition-h.NewestReadable, 0))
	return nil
}
