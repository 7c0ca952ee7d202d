package inspect

import (
	"encoding/json"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// Kind says whose dead letter it is.
type Kind string

// The kinds of dead letters.
const (
	// KindOutbox is a record an outbox's relay gave up publishing.
	KindOutbox Kind = "outbox"
	// KindProjection is an event a projection's runner parked.
	KindProjection Kind = "projection"
)

// DeadLetter is one event an outbox or a projection gave up on.
type DeadLetter struct {
	// Kind and Name say whose it is: the outbox's or the projection's name.
	Kind Kind
	Name string
	// Event is the event.
	Event es.Envelope
	// Attempts counts the failed attempts.
	Attempts int
	// Error is the last failure's text.
	Error string
	// FailedAt is when it was given up (the last failed attempt).
	FailedAt time.Time
	// RetryRequested is true once an operator asked a projection's runner to apply it again and
	// the runner has not yet done so.
	RetryRequested bool
}

// MarshalJSON writes kind, name, event_id, global_position (a string), aggregate_id,
// aggregate_type, sequence, event_type, attempts, error, failed_at and retry_requested; never the
// payload.
func (d DeadLetter) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Kind           Kind     `json:"kind"`
		Name           string   `json:"name"`
		EventID        string   `json:"event_id"`
		GlobalPosition position `json:"global_position"`
		AggregateID    string   `json:"aggregate_id"`
		AggregateType  string   `json:"aggregate_type"`
		Sequence       int64    `json:"sequence"`
		EventType      string   `json:"event_type"`
		Attempts       int      `json:"attempts"`
		Error          string   `json:"error"`
		FailedAt       jsonTime `json:"failed_at"`
		RetryRequested bool     `json:"retry_requested"`
	}{d.Kind, d.Name, d.Event.EventID, position(d.Event.GlobalPosition), d.Event.AggregateID, d.Event.AggregateType,
		d.Event.Sequence, d.Event.EventType, d.Attempts, d.Error, jsonTime(d.FailedAt), d.RetryRequested})
}

// DeadLetterQuery selects dead letters to list.
type DeadLetterQuery struct {
	// Kind and Name, when set, keep one outbox's or one projection's; Kind alone keeps one kind.
	Kind Kind
	Name string
	// Limit is the most dead letters to return, 1 or more.
	Limit int
}
