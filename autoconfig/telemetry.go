package autoconfig

import (
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/gofly/eventsourcing/eventsourcing/otelhooks"
)

// UseTelemetry makes the stores, repositories, runners and outbox these settings build report to
// OpenTelemetry (package otelhooks): spans to tp, metrics to mp. Either may be nil (it then gets
// nothing); with both nil nothing is reported. With mp, [Databases.Start] also registers the
// gauges read from the stores, and [Databases.Close] unregisters them. Call it before building
// anything from s; the Fx module calls it with the graph's trace.TracerProvider and
// metric.MeterProvider.
func (s *Settings) UseTelemetry(tp trace.TracerProvider, mp metric.MeterProvider) error {
	if tp == nil && mp == nil {
		return nil
	}
	opts := []otelhooks.Option{otelhooks.WithTracerProvider(tracenoop.NewTracerProvider()),
		otelhooks.WithMeterProvider(metricnoop.NewMeterProvider())}
	if tp != nil {
		opts = append(opts, otelhooks.WithTracerProvider(tp))
	}
	if mp != nil {
		opts = append(opts, otelhooks.WithMeterProvider(mp))
	}
	obs, err := otelhooks.New(opts...)
	if err != nil {
		return &wrapped{msg: "eventsourcing: OpenTelemetry: " + err.Error(), err: err}
	}
	s.Observer, s.MeterProvider = obs, mp
	return nil
}

// registerGauges registers the gauges when the settings have a meter provider; it runs in
// Start, under d.mu, once the stores are bound.
func (d *Databases) registerGauges() error {
	mp := d.settings.MeterProvider
	if mp == nil {
		return nil
	}
	reg, err := otelhooks.RegisterGauges(mp, otelhooks.GaugeSources{Inspector: d.inspector, Runners: d.runners})
	if err != nil {
		return &wrapped{msg: "eventsourcing: OpenTelemetry gauges: " + err.Error(), err: err}
	}
	d.gauges = reg
	return nil
}
