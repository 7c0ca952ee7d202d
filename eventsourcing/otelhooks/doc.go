// Package otelhooks reports gofly event sourcing to OpenTelemetry: spans and metrics through the
// hooks of package eventsourcing (an es.Observer), and gauges read from the stores. It uses the
// OpenTelemetry API only: the application picks the SDK and its exporters, and hands their
// providers over ([WithTracerProvider], [WithMeterProvider]; the global ones by default). The Fx
// module wires it when the graph holds a trace.TracerProvider or a metric.MeterProvider.
//
//	obs, err := otelhooks.New(otelhooks.WithTracerProvider(tp), otelhooks.WithMeterProvider(mp))
//	store := memory.NewEventStore(memory.WithObserver(obs))
//	repo, err := es.NewRepository(store, NewOrder, es.WithObserver(obs))
//	runner, err := projection.NewRunner(view, store, projection.WithObserver(obs))
//	ob, err := outbox.New(obStore, publish, outbox.WithObserver(obs))
//	reg, err := otelhooks.RegisterGauges(mp, otelhooks.GaugeSources{Inspector: admin, Runners: runners})
//
// # Spans
//
//   - eventsourcing.append, eventsourcing.load, eventsourcing.read_all (kind client): an event
//     store's Append, Load and ReadAll;
//   - eventsourcing.save (internal): a repository's Save, parent of its append;
//   - projection.batch (internal): a projection runner's attempt at a batch, parent of its
//     transaction and of the handler's own spans;
//   - outbox.publish (producer): an outbox relay's publish of one event, parent of the
//     publisher's spans.
//
// Their attributes: db.system.name (postgresql, sqlite or memory), eventsourcing.aggregate.type,
// eventsourcing.event.count and eventsourcing.outcome (ok, conflict, not_found, invalid,
// unknown, decode, canceled, superseded or error, see es.OutcomeOf); projection.name,
// projection.version, projection.position.from, projection.position.to and projection.events.applied on batches;
// outbox.name, eventsourcing.event.id, eventsourcing.event.type and outbox.attempt on publishes.
// A failed operation has the status Error and error.type set to its outcome. No attribute holds
// a payload, metadata, an error's text or a database URL.
//
// # Metrics
//
// From the hooks:
//   - eventsourcing.append.duration, eventsourcing.load.duration (histograms, s): by
//     db.system.name, eventsourcing.aggregate.type and eventsourcing.outcome;
//   - eventsourcing.events.appended (counter, {event}): events stored, by db.system.name and
//     eventsourcing.aggregate.type;
//   - eventsourcing.concurrency.conflicts (counter, {conflict}): appends refused by the version
//     check, by the same;
//   - outbox.publish.duration (histogram, s): by outbox.name and eventsourcing.outcome.
//
// Gauges ([RegisterGauges]), read at each collection from the stores as they are (the
// inspection API, measured against the store's real head) and from the runners' Status:
//   - projection.position ({position}), projection.lag ({event}: events stored after the
//     checkpoint) and projection.lag.seconds (s: how long the oldest of them has waited), by
//     projection.name and projection.version (each version of a versioned projection has its
//     own checkpoint, so a new version's catch-up shows beside the active one);
//   - outbox.pending and outbox.dead_letters ({record}), by outbox.name;
//   - eventsourcing.read_horizon.lag ({position}, PostgreSQL): the newest position stored minus
//     the newest readable one.
package otelhooks
