// Package eda publishes stored event envelopes onto a Watermill [message.Publisher]: the bridge
// from the event store to the application's message bus (pyfly's EventSourcingPublisher).
//
// Each envelope becomes one message on the destination topic (default pyfly.events). The message
// UUID is the event id, so consumers can de-duplicate; the payload is the event's JSON payload;
// the metadata carries the envelope's fields under reserved keys ([MetaEventID], [MetaEventType],
// [MetaAggregateID], [MetaAggregateType], [MetaSequence], [MetaVersion], [MetaOccurredAt],
// [MetaTenantID] when set, [MetaGlobalPosition] when known) plus every string-valued entry of the
// envelope's metadata, which can never override a reserved key.
//
// The method value p.Publish has the shape func(context.Context, es.Envelope) error, so it can be
// handed to an outbox as its publish function.
package eda
