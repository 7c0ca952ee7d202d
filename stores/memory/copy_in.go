package memory

import (
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/jsoncopy"
)

// copyIn returns the records of the events of one append, as they are stored at sequences
// expected+1, expected+2…: the payloads copied into one new array, the metadata in the form a
// record keeps, the times as every store keeps them. Events of the call that carry the same
// metadata of plain values share one copy of it.
func copyIn(aggregateID, aggregateType string, expected int64, events []es.Envelope) ([]record, error) {
	size := 0
	for i := range events {
		size += len(events[i].Payload)
	}
	payloads := make([]byte, 0, size)
	stored := make([]record, len(events))
	var lastIn map[string]any
	for i := range events {
		r := &stored[i]
		r.env = events[i]
		if i > 0 && jsoncopy.SameScalars(lastIn, r.env.Metadata) {
			r.env.Metadata, r.meta = stored[i-1].env.Metadata, stored[i-1].meta
		} else {
			md, entries, err := keepMetadata(r.env.Metadata)
			if err != nil {
				return nil, err
			}
			lastIn = r.env.Metadata
			r.env.Metadata, r.meta = md, entries
		}
		start := len(payloads)
		payloads = append(payloads, r.env.Payload...)
		r.env.Payload = payloads[start:len(payloads):len(payloads)]
		r.env.AggregateID, r.env.AggregateType = aggregateID, aggregateType
		r.env.Sequence = expected + int64(i) + 1
		r.env.OccurredAt = storekit.StoredTime(r.env.OccurredAt)
	}
	return stored, nil
}
