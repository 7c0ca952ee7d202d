package eventsourcing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/eventid"
	"github.com/gofly/eventsourcing/internal/jsoncopy"
)

// Envelope is the stored form of one event: the event's JSON payload plus where and when it
// belongs. Stores fill AggregateID, AggregateType and Sequence on append, and GlobalPosition on read
// (and on append when they know it then, see [EventStore]).
type Envelope struct {
	// EventID identifies the event (a time-ordered UUID, version 7, set by NewEnvelope).
	// Consumers de-duplicate on it.
	EventID string
	// AggregateID is the id of the aggregate the event belongs to.
	AggregateID string
	// AggregateType names the aggregate's type (by default its Go type name).
	AggregateType string
	// Sequence is the aggregate's version after this event, from 1.
	Sequence int64
	// EventType names the event (see [EventTypeOf]).
	EventType string
	// Payload is the event as a JSON object.
	Payload json.RawMessage
	// Metadata is free-form data (correlation and causation ids, ...). Stores keep it as JSON:
	// values must be JSON-encodable (no NaN or infinity, no map or list inside itself), keys valid
	// UTF-8, nesting at most 100 levels with the map itself as the first.
	Metadata map[string]any
	// OccurredAt is when the event happened, in UTC: when NewEnvelope built the envelope, or,
	// for a repository's save, when the aggregate applied the event.
	OccurredAt time.Time
	// Version is the event's schema version, 1 unless an upcaster says otherwise.
	Version int
	// TenantID is the tenant the event belongs to, "" for none.
	TenantID string
	// GlobalPosition is the event's place on the store's global stream; 0 when not known (not
	// read from a store, nor set by its append). It is not part of the JSON form nor of
	// [Envelope.Equal].
	GlobalPosition int64
}

// NewEnvelope wraps event: a new EventID, EventType from [EventTypeOf], the event's JSON as the
// payload (it must encode as a JSON object), OccurredAt now in UTC to the microsecond (what every
// store keeps), Version 1, empty Metadata.
//
// The EventID is a UUID of version 7 in its usual text form: its leading bits are the time to
// the nanosecond, the rest random, so ids of different clock readings sort, as text, in the order
// of the readings, and a store's index on them grows at its end instead of taking every insert at
// a random place. OccurredAt is the same instant.
func NewEnvelope(event any) (Envelope, error) {
	// Inlined, so that the JSON encoding below runs one frame higher on the stack: a goroutine
	// that builds an envelope then grows its stack less often (a measured cost).
	return newEnvelopeAt(event, time.Time{})
}

// newEnvelopeAt is NewEnvelope of an event that happened at now (zero: now, once encoded): its
// OccurredAt, and the time in its EventID.
func newEnvelopeAt(event any, now time.Time) (Envelope, error) {
	if check.IsNil(event) {
		return Envelope{}, invalidArg("event: must not be nil")
	}
	payload, err := json.Marshal(event)
	if err != nil {
		return Envelope{}, invalidArg("event %T: cannot encode as JSON: %v", event, err)
	}
	// encoding/json always writes valid JSON: only its shape needs checking here; stores check
	// the rest (NUL characters, depth) once, on append.
	if len(payload) == 0 || payload[0] != '{' {
		return Envelope{}, invalidArg("event %T: must encode as a JSON object, got %.40s", event, payload)
	}
	if now.IsZero() {
		now = time.Now()
	}
	return Envelope{
		EventID:    eventid.At(now),
		EventType:  EventTypeOf(event),
		Payload:    payload,
		Metadata:   map[string]any{},
		OccurredAt: now.UTC().Truncate(time.Microsecond),
		Version:    1,
	}, nil
}

// Clone returns a deep copy of e: payload bytes and metadata maps, slices and arrays of any type
// ([]string, map[string]string...) are copied, keeping their types. Metadata no store accepts is
// copied without recursing without end: a map or list that contains itself is copied once, and
// the copy holds the original where the cycle closes; maps and lists nested more than 10,000
// levels deep are shared below that level.
func (e Envelope) Clone() Envelope {
	e.Payload = jsoncopy.Raw(e.Payload)
	e.Metadata = jsoncopy.Map(e.Metadata)
	return e
}

// Equal reports whether e and o describe the same event: every field but GlobalPosition, with
// payloads compared as JSON text without insignificant white space and times compared as instants.
func (e Envelope) Equal(o Envelope) bool {
	if e.EventID != o.EventID || e.AggregateID != o.AggregateID || e.AggregateType != o.AggregateType ||
		e.Sequence != o.Sequence || e.EventType != o.EventType || e.Version != o.Version ||
		e.TenantID != o.TenantID || !e.OccurredAt.Equal(o.OccurredAt) {
		return false
	}
	if !jsoncopy.TextEqual(e.Payload, o.Payload) {
		return false
	}
	if len(e.Metadata) == 0 && len(o.Metadata) == 0 {
		return true
	}
	if reflect.DeepEqual(e.Metadata, o.Metadata) {
		return true
	}
	a, errA := jsoncopy.Normalize(e.Metadata)
	b, errB := jsoncopy.Normalize(o.Metadata)
	return errA == nil && errB == nil && reflect.DeepEqual(a, b)
}

// envelopeJSON is the JSON form, keys in pyfly's order.
type envelopeJSON struct {
	EventID       string          `json:"event_id"`
	AggregateID   string          `json:"aggregate_id"`
	AggregateType string          `json:"aggregate_type"`
	Sequence      int64           `json:"sequence"`
	EventType     string          `json:"event_type"`
	Payload       json.RawMessage `json:"payload"`
	Metadata      map[string]any  `json:"metadata"`
	OccurredAt    string          `json:"occurred_at"`
	Version       int             `json:"version"`
	TenantID      *string         `json:"tenant_id"`
}

// MarshalJSON writes the snake_case JSON form: payload and metadata as objects ({} when empty),
// occurred_at in RFC 3339 UTC, tenant_id null when empty, no global position.
func (e Envelope) MarshalJSON() ([]byte, error) {
	j := envelopeJSON{
		EventID:       e.EventID,
		AggregateID:   e.AggregateID,
		AggregateType: e.AggregateType,
		Sequence:      e.Sequence,
		EventType:     e.EventType,
		Payload:       e.Payload,
		Metadata:      e.Metadata,
		OccurredAt:    e.OccurredAt.UTC().Format(time.RFC3339Nano),
		Version:       e.Version,
	}
	if len(j.Payload) == 0 {
		j.Payload = json.RawMessage("{}")
	}
	if j.Metadata == nil {
		j.Metadata = map[string]any{}
	}
	if e.TenantID != "" {
		t := e.TenantID
		j.TenantID = &t
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the form MarshalJSON writes. Every key but tenant_id is required. A payload
// of null reads as a nil Payload (which MarshalJSON writes as {}). Metadata reads as the stores
// return it: numbers as float64, but integers beyond ±2^53 and numbers beyond float64's range as
// json.Number, exactly; metadata that is not a JSON object is an ErrDecode.
func (e *Envelope) UnmarshalJSON(data []byte) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return fmt.Errorf("%w: envelope JSON: %v", ErrDecode, err)
	}
	for _, k := range []string{"event_id", "aggregate_id", "aggregate_type", "sequence", "event_type", "payload", "metadata", "occurred_at", "version"} {
		if _, ok := keys[k]; !ok {
			return fmt.Errorf("%w: envelope JSON: missing key %q", ErrDecode, k)
		}
	}
	var j struct {
		envelopeJSON
		Metadata json.RawMessage `json:"metadata"` // decoded as the stores decode it
	}
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("%w: envelope JSON: %v", ErrDecode, err)
	}
	md := map[string]any{}
	if !jsonNull(j.Metadata) {
		m, err := jsoncopy.DecodeObject(j.Metadata)
		if err != nil {
			return fmt.Errorf("%w: envelope JSON: metadata: %v", ErrDecode, err)
		}
		md = m
	}
	at, err := time.Parse(time.RFC3339Nano, j.OccurredAt)
	if err != nil {
		return fmt.Errorf("%w: envelope JSON: occurred_at %q is not RFC 3339: %v", ErrDecode, j.OccurredAt, err)
	}
	*e = Envelope{
		EventID:       j.EventID,
		AggregateID:   j.AggregateID,
		AggregateType: j.AggregateType,
		Sequence:      j.Sequence,
		EventType:     j.EventType,
		Payload:       rawOrNil(j.Payload),
		Metadata:      md,
		OccurredAt:    at.UTC(),
		Version:       j.Version,
	}
	if j.TenantID != nil {
		e.TenantID = *j.TenantID
	}
	return nil
}

// rawOrNil returns a copy of b, or nil when b is JSON null.
func rawOrNil(b json.RawMessage) json.RawMessage {
	if jsonNull(b) {
		return nil
	}
	return jsoncopy.Raw(b)
}

// jsonNull reports whether b, a value of a JSON document, is absent or null.
func jsonNull(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) == 0 || string(t) == "null"
}
