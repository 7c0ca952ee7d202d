package otelhooks

import (
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/gofly/eventsourcing"

// The attribute keys (see the package documentation).
const (
	AttrDBSystem        = attribute.Key("db.system.name")
	AttrAggregateType   = attribute.Key("eventsourcing.aggregate.type")
	AttrEventCount      = attribute.Key("eventsourcing.event.count")
	AttrOutcome         = attribute.Key("eventsourcing.outcome")
	AttrEventID         = attribute.Key("eventsourcing.event.id")
	AttrEventType       = attribute.Key("eventsourcing.event.type")
	AttrProjection      = attribute.Key("projection.name")
	AttrVersion         = attribute.Key("projection.version")
	AttrPositionFrom    = attribute.Key("projection.position.from")
	AttrPositionTo      = attribute.Key("projection.position.to")
	AttrEventsApplied   = attribute.Key("projection.events.applied")
	AttrOutbox          = attribute.Key("outbox.name")
	AttrPublishAttempt  = attribute.Key("outbox.attempt")
	AttrErrorType       = attribute.Key("error.type")
	spanPrefix          = "eventsourcing."
	spanProjectionBatch = "projection.batch"
	spanOutboxPublish   = "outbox.publish"
)

// durationBuckets are the histograms' bucket bounds, in seconds: from a memory store's tens of
// microseconds to a slow disk's seconds.
var durationBuckets = []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Observer is an es.Observer that reports to OpenTelemetry: a span per operation, batch and
// publish, and the metrics of the package documentation. It is safe for concurrent use.
type Observer struct {
	tracer    trace.Tracer
	appendDur metric.Float64Histogram
	loadDur   metric.Float64Histogram
	appended  metric.Int64Counter
	conflicts metric.Int64Counter
	publish   metric.Float64Histogram

	sets sync.Map // attrKey -> attribute.Set: the metrics' attribute sets, built once each
}

var _ es.Observer = (*Observer)(nil)

// Option configures [New].
type Option func(*options)

type options struct {
	tp trace.TracerProvider
	mp metric.MeterProvider
}

// WithTracerProvider sets where spans go (default: otel.GetTracerProvider()).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tp = tp }
}

// WithMeterProvider sets where metrics go (default: otel.GetMeterProvider()).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(o *options) { o.mp = mp }
}

// New returns an Observer of the providers opts give. It fails only when the meter refuses an
// instrument.
func New(opts ...Option) (*Observer, error) {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.tp == nil {
		o.tp = otel.GetTracerProvider()
	}
	if o.mp == nil {
		o.mp = otel.GetMeterProvider()
	}
	m := o.mp.Meter(ScopeName)
	obs := &Observer{tracer: o.tp.Tracer(ScopeName)}
	var errs [5]error
	obs.appendDur, errs[0] = m.Float64Histogram("eventsourcing.append.duration", metric.WithUnit("s"),
		metric.WithDescription("How long an event store's Append took."), metric.WithExplicitBucketBoundaries(durationBuckets...))
	obs.loadDur, errs[1] = m.Float64Histogram("eventsourcing.load.duration", metric.WithUnit("s"),
		metric.WithDescription("How long an event store's Load of an aggregate took."), metric.WithExplicitBucketBoundaries(durationBuckets...))
	obs.appended, errs[2] = m.Int64Counter("eventsourcing.events.appended", metric.WithUnit("{event}"),
		metric.WithDescription("Events stored by appends."))
	obs.conflicts, errs[3] = m.Int64Counter("eventsourcing.concurrency.conflicts", metric.WithUnit("{conflict}"),
		metric.WithDescription("Appends refused because the aggregate's version was not the expected one."))
	obs.publish, errs[4] = m.Float64Histogram("outbox.publish.duration", metric.WithUnit("s"),
		metric.WithDescription("How long an outbox relay's publish of one event took."), metric.WithExplicitBucketBoundaries(durationBuckets...))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return obs, nil
}

// StartOp implements es.StoreObserver: it starts the operation's span.
func (o *Observer) StartOp(ctx context.Context, op es.Op) context.Context {
	kind := trace.SpanKindClient
	if op.Kind == es.OpSave {
		kind = trace.SpanKindInternal
	}
	attrs := make([]attribute.KeyValue, 0, 3)
	if op.System != "" {
		attrs = append(attrs, AttrDBSystem.String(op.System))
	}
	if op.AggregateType != "" {
		attrs = append(attrs, AttrAggregateType.String(op.AggregateType))
	}
	if op.Kind == es.OpAppend || op.Kind == es.OpSave {
		attrs = append(attrs, AttrEventCount.Int(op.Events))
	}
	ctx, _ = o.tracer.Start(ctx, spanPrefix+string(op.Kind), trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
	return ctx
}

// EndOp implements es.StoreObserver: it ends the span and records the metrics.
func (o *Observer) EndOp(ctx context.Context, op es.Op, res es.OpResult) {
	outcome := es.OutcomeOf(res.Err)
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		if op.Kind == es.OpLoad && op.AggregateType != "" {
			span.SetAttributes(AttrAggregateType.String(op.AggregateType))
		}
		span.SetAttributes(AttrEventCount.Int(res.Events), AttrOutcome.String(string(outcome)))
		fail(span, outcome)
	}
	span.End()
	switch op.Kind {
	case es.OpAppend:
		o.appendDur.Record(ctx, res.Duration.Seconds(), o.attrs(attrKey{system: op.System, aggregateType: op.AggregateType, outcome: outcome}))
		switch outcome {
		case es.OutcomeOK:
			o.appended.Add(ctx, int64(res.Events), o.attrs(attrKey{system: op.System, aggregateType: op.AggregateType}))
		case es.OutcomeConflict:
			o.conflicts.Add(ctx, 1, o.attrs(attrKey{system: op.System, aggregateType: op.AggregateType}))
		}
	case es.OpLoad:
		o.loadDur.Record(ctx, res.Duration.Seconds(), o.attrs(attrKey{system: op.System, aggregateType: op.AggregateType, outcome: outcome}))
	}
}

// StartBatch implements es.BatchObserver: it starts the batch's span.
func (o *Observer) StartBatch(ctx context.Context, b es.Batch) context.Context {
	ctx, _ = o.tracer.Start(ctx, spanProjectionBatch, trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(
		AttrProjection.String(b.Projection), AttrVersion.Int(b.Version), AttrEventCount.Int(b.Events),
		AttrPositionFrom.Int64(b.From), AttrPositionTo.Int64(b.To)))
	return ctx
}

// EndBatch implements es.BatchObserver: it ends the batch's span.
func (o *Observer) EndBatch(ctx context.Context, _ es.Batch, res es.BatchResult) {
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		outcome := res.Outcome()
		span.SetAttributes(AttrEventsApplied.Int(res.Applied), AttrOutcome.String(string(outcome)))
		fail(span, outcome)
	}
	span.End()
}

// StartPublish implements es.PublishObserver: it starts the publish's span.
func (o *Observer) StartPublish(ctx context.Context, p es.Publish) context.Context {
	ctx, _ = o.tracer.Start(ctx, spanOutboxPublish, trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(
		AttrOutbox.String(p.Outbox), AttrEventID.String(p.EventID), AttrEventType.String(p.EventType),
		AttrAggregateType.String(p.AggregateType), AttrPublishAttempt.Int(p.Attempt)))
	return ctx
}

// EndPublish implements es.PublishObserver: it ends the span and records the publish's
// duration.
func (o *Observer) EndPublish(ctx context.Context, p es.Publish, res es.PublishResult) {
	outcome := es.OutcomeOf(res.Err)
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		span.SetAttributes(AttrOutcome.String(string(outcome)))
		fail(span, outcome)
	}
	span.End()
	o.publish.Record(ctx, res.Duration.Seconds(), o.attrs(attrKey{outbox: p.Outbox, outcome: outcome}))
}

// fail marks span failed unless outcome is OK. The description and error.type are the outcome,
// never the error's text, which could name what the application would not show.
func fail(span trace.Span, outcome es.Outcome) {
	if outcome == es.OutcomeOK {
		return
	}
	span.SetAttributes(AttrErrorType.String(string(outcome)))
	span.SetStatus(codes.Error, string(outcome))
}

// attrKey is what a metric's attributes are made of; zero fields are left out.
type attrKey struct {
	system, aggregateType, outbox string
	outcome                       es.Outcome
}

// attrs returns the measurement option of k's attribute set, built once per k.
func (o *Observer) attrs(k attrKey) metric.MeasurementOption {
	if s, ok := o.sets.Load(k); ok {
		return metric.WithAttributeSet(s.(attribute.Set))
	}
	kv := make([]attribute.KeyValue, 0, 3)
	if k.system != "" {
		kv = append(kv, AttrDBSystem.String(k.system))
	}
	if k.aggregateType != "" {
		kv = append(kv, AttrAggregateType.String(k.aggregateType))
	}
	if k.outbox != "" {
		kv = append(kv, AttrOutbox.String(k.outbox))
	}
	if k.outcome != "" {
		kv = append(kv, AttrOutcome.String(string(k.outcome)))
	}
	s, _ := o.sets.LoadOrStore(k, attribute.NewSet(kv...))
	return metric.WithAttributeSet(s.(attribute.Set))
}
