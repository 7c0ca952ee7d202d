package inspect

import (
	"encoding/json"
	"time"
)

// Aggregate summarises one aggregate's stream.
type Aggregate struct {
	// ID is the aggregate's id.
	ID string
	// Type is its aggregate type, as its last event recorded it.
	Type string
	// Version is its last event's sequence: how many events it has.
	Version int64
	// LastOccurredAt is when its last event occurred (the event's OccurredAt).
	LastOccurredAt time.Time
}

// MarshalJSON writes aggregate_id, aggregate_type, version and last_occurred_at.
func (a Aggregate) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID             string   `json:"aggregate_id"`
		Type           string   `json:"aggregate_type"`
		Version        int64    `json:"version"`
		LastOccurredAt jsonTime `json:"last_occurred_at"`
	}{a.ID, a.Type, a.Version, jsonTime(a.LastOccurredAt)})
}

// AggregateQuery selects aggregates to list.
type AggregateQuery struct {
	// Type, when not empty, keeps the aggregates of that type.
	Type string
	// Limit is the most aggregates to return, 1 or more.
	Limit int
}
