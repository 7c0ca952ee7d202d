package inspect

import (
	"encoding/json"
	"time"
)

// Skip is a dead letter an operator skipped: given up for good, never applied or published.
type Skip struct {
	// Kind and Name say whose dead letter it was: the outbox's or the projection's name.
	Kind Kind
	Name string
	// EventID, GlobalPosition, AggregateID and EventType identify the event.
	EventID        string
	GlobalPosition int64
	AggregateID    string
	EventType      string
	// Attempts and Error are the dead letter's failed attempts and last error when it was
	// skipped.
	Attempts int
	Error    string
	// SkippedBy is who skipped it, SkippedAt when (UTC).
	SkippedBy string
	SkippedAt time.Time
}

// MarshalJSON writes kind, name, event_id, global_position (a string), aggregate_id,
// event_type, attempts, error, skipped_by and skipped_at.
func (s Skip) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Kind           Kind     `json:"kind"`
		Name           string   `json:"name"`
		EventID        string   `json:"event_id"`
		GlobalPosition position `json:"global_position"`
		AggregateID    string   `json:"aggregate_id"`
		EventType      string   `json:"event_type"`
		Attempts       int      `json:"attempts"`
		Error          string   `json:"error"`
		SkippedBy      string   `json:"skipped_by"`
		SkippedAt      jsonTime `json:"skipped_at"`
	}{s.Kind, s.Name, s.EventID, position(s.GlobalPosition), s.AggregateID, s.EventType, s.Attempts, s.Error,
		s.SkippedBy, jsonTime(s.SkippedAt)})
}
